//! SQL of conversations and their members: finding, creating and locking them, membership and
//! roles, the contract's `conversation` object as one member sees it, and the member list.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use shared::chat::{Conversation, MemberView, Peer};
use shared::events::{ConversationKind, Role};
use shared::ids::{ConversationId, UserId};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::messages::{MESSAGE_COLUMNS, message_from_row_at};
use crate::domain::{MemberCursor, PageCursor, PageSize};

fn pair_key(a: UserId, b: UserId) -> String {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    format!("{low}:{high}")
}

/// The two-party conversation of `a` and `b`, if it exists (locked with `FOR UPDATE` when
/// `lock`, which serialises its writers).
async fn pair(
    client: &impl GenericClient,
    a: UserId,
    b: UserId,
    lock: bool,
) -> Result<Option<ConversationId>, tokio_postgres::Error> {
    let sql = if lock {
        "SELECT id FROM conversations WHERE pair_key = $1 FOR UPDATE"
    } else {
        "SELECT id FROM conversations WHERE pair_key = $1"
    };
    Ok(client
        .query_opt(&client.prepare_cached(sql).await?, &[&pair_key(a, b)])
        .await?
        .map(|row| row.get::<_, Uuid>(0).into()))
}

/// The two-party conversation of `a` and `b`, if it exists.
pub async fn find_pair(
    client: &impl GenericClient,
    a: UserId,
    b: UserId,
) -> Result<Option<ConversationId>, tokio_postgres::Error> {
    pair(client, a, b, false).await
}

/// Where a conversation's numbering stands: the `seq` of its last message and the `rev` of its
/// last change. Its next message takes the next of each. Read with the conversation's lock, it
/// stays true until the locking transaction ends, so the writer numbers a run's messages itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Numbering {
    pub last_seq: i64,
    pub rev: i64,
}

impl Numbering {
    /// The `seq` and `rev` of the conversation's next message, which it now counts.
    pub fn advance(&mut self) -> (i64, i64) {
        self.last_seq += 1;
        self.rev += 1;
        (self.last_seq, self.rev)
    }
}

/// A locked conversation, with where its numbering stands.
pub type LockedPair = (ConversationId, Numbering);

/// The two-party conversations of `pairs` that exist, locked, in one order (by id) whoever
/// asks, so that batches cannot deadlock each other. A missing one is created by
/// [`create_pairs`], on a pair's first message.
pub async fn lock_pairs(
    client: &impl GenericClient,
    pairs: &[(UserId, UserId)],
) -> Result<HashMap<(UserId, UserId), LockedPair>, tokio_postgres::Error> {
    if pairs.is_empty() {
        return Ok(HashMap::new());
    }
    let keys: Vec<String> = pairs.iter().map(|(a, b)| pair_key(*a, *b)).collect();
    let lock = client.prepare_cached(LOCK_PAIRS).await?;
    let rows = client.query(&lock, &[&keys]).await?;
    Ok(by_pair(pairs, &pair_ids(&rows)))
}

const LOCK_PAIRS: &str = "SELECT id, pair_key, last_seq, rev FROM conversations
    WHERE pair_key = ANY($1) ORDER BY id FOR UPDATE";

/// Creates the two-party conversations of `pairs` (members included), unless another
/// transaction just did, and locks them as [`lock_pairs`] does: a pair's first message. The
/// creation and the lock are sent together (pipelined), the lock after the creation, so it sees
/// and locks what was just created.
pub async fn create_pairs(
    client: &impl GenericClient,
    pairs: &[(UserId, UserId)],
) -> Result<HashMap<(UserId, UserId), LockedPair>, tokio_postgres::Error> {
    if pairs.is_empty() {
        return Ok(HashMap::new());
    }
    let keys: Vec<String> = pairs
        .iter()
        .map(|(a, b)| pair_key(*a, *b))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let ids: Vec<Uuid> = keys.iter().map(|_| Uuid::now_v7()).collect();
    let (create, lock) = futures_util::try_join!(
        client.prepare_cached(
            "WITH created AS (
                 INSERT INTO conversations (id, pair_key)
                 SELECT i, k FROM unnest($1::uuid[], $2::text[]) AS t(i, k)
                 ON CONFLICT (pair_key) DO NOTHING RETURNING id, pair_key
             )
             INSERT INTO conversation_members (conversation_id, user_id)
             SELECT id, split_part(pair_key, ':', side)::uuid
             FROM created CROSS JOIN generate_series(1, 2) AS side",
        ),
        client.prepare_cached(LOCK_PAIRS),
    )?;
    // Both futures send their statement when first polled, in this order.
    let (create_params, lock_params): (&[&(dyn ToSql + Sync)], &[&(dyn ToSql + Sync)]) =
        (&[&ids, &keys], &[&keys]);
    let (_, rows) = futures_util::try_join!(
        client.execute(&create, create_params),
        client.query(&lock, lock_params),
    )?;
    Ok(by_pair(pairs, &pair_ids(&rows)))
}

/// Each of `pairs` whose key `by_key` holds, with that conversation.
fn by_pair(
    pairs: &[(UserId, UserId)],
    by_key: &HashMap<String, LockedPair>,
) -> HashMap<(UserId, UserId), LockedPair> {
    pairs
        .iter()
        .filter_map(|(a, b)| by_key.get(&pair_key(*a, *b)).map(|id| ((*a, *b), *id)))
        .collect()
}

fn pair_ids(rows: &[Row]) -> HashMap<String, LockedPair> {
    rows.iter()
        .map(|row| {
            let numbering = Numbering {
                last_seq: row.get(2),
                rev: row.get(3),
            };
            (row.get(1), (row.get::<_, Uuid>(0).into(), numbering))
        })
        .collect()
}

/// Of `wanted` (conversation, user), those where the user is a member, with the conversation's
/// kind and where its numbering stands; their conversations locked, by id.
pub async fn lock_memberships(
    client: &impl GenericClient,
    wanted: &[(ConversationId, UserId)],
) -> Result<HashMap<(ConversationId, UserId), (ConversationKind, Numbering)>, tokio_postgres::Error>
{
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let conversations: Vec<Uuid> = wanted.iter().map(|(c, _)| c.as_uuid()).collect();
    let users: Vec<Uuid> = wanted.iter().map(|(_, u)| u.as_uuid()).collect();
    Ok(client
        .query(
            &client
                .prepare_cached(
                    "SELECT c.id, me.user_id, c.kind, c.last_seq, c.rev FROM conversations c
                     JOIN conversation_members me ON me.conversation_id = c.id
                     JOIN unnest($1::uuid[], $2::uuid[]) AS t(conversation_id, user_id)
                       ON t.conversation_id = c.id AND t.user_id = me.user_id
                     ORDER BY c.id FOR UPDATE OF c",
                )
                .await?,
            &[&conversations, &users],
        )
        .await?
        .iter()
        .map(|row| {
            (
                (row.get::<_, Uuid>(0).into(), row.get::<_, Uuid>(1).into()),
                (
                    kind_from_db(row.get(2)),
                    Numbering {
                        last_seq: row.get(3),
                        rev: row.get(4),
                    },
                ),
            )
        })
        .collect())
}

/// The members of each of `conversations`.
pub async fn members_of(
    client: &impl GenericClient,
    conversations: &[ConversationId],
) -> Result<HashMap<ConversationId, Vec<UserId>>, tokio_postgres::Error> {
    let mut members: HashMap<ConversationId, Vec<UserId>> = HashMap::new();
    if conversations.is_empty() {
        return Ok(members);
    }
    let ids: Vec<Uuid> = conversations.iter().map(ConversationId::as_uuid).collect();
    for row in client
        .query(
            &client
                .prepare_cached(
                    "SELECT conversation_id, user_id FROM conversation_members
                     WHERE conversation_id = ANY($1) ORDER BY conversation_id, user_id",
                )
                .await?,
            &[&ids],
        )
        .await?
    {
        members
            .entry(row.get::<_, Uuid>(0).into())
            .or_default()
            .push(row.get::<_, Uuid>(1).into());
    }
    Ok(members)
}

/// Creates a group named `name` whose owner is `owner` and whose other members are `members`.
pub async fn create_group(
    client: &impl GenericClient,
    name: &str,
    owner: UserId,
    members: &[UserId],
) -> Result<ConversationId, tokio_postgres::Error> {
    let id = ConversationId::new();
    client
        .execute(
            &client
                .prepare_cached(
                    "INSERT INTO conversations (id, kind, name, topic) VALUES ($1, 'group', $2, '')",
                )
                .await?,
            &[&id.as_uuid(), &name],
        )
        .await?;
    client
        .execute(
            &client
                .prepare_cached(
                    "INSERT INTO conversation_members (conversation_id, user_id, role)
                     VALUES ($1, $2, 'owner')",
                )
                .await?,
            &[&id.as_uuid(), &owner.as_uuid()],
        )
        .await?;
    add_members(client, id, members).await?;
    Ok(id)
}

/// A conversation locked for a change, and the one asking for it.
#[derive(Clone, Debug)]
pub struct Locked {
    /// The conversation.
    pub id: ConversationId,
    /// Direct or group.
    pub kind: ConversationKind,
    /// The caller's role (members of a direct conversation are `member`s).
    pub role: Role,
}

/// Locks `id` (serialising its writers) if `user` is one of its members; `None` otherwise, as
/// for a conversation that does not exist.
pub async fn lock_as_member(
    client: &impl GenericClient,
    id: ConversationId,
    user: UserId,
) -> Result<Option<Locked>, tokio_postgres::Error> {
    let row = client
        .query_opt(
            &client
                .prepare_cached(
                    "SELECT c.kind, me.role FROM conversations c
                     JOIN conversation_members me ON me.conversation_id = c.id AND me.user_id = $2
                     WHERE c.id = $1
                     FOR UPDATE OF c",
                )
                .await?,
            &[&id.as_uuid(), &user.as_uuid()],
        )
        .await?;
    Ok(row.map(|row| Locked {
        id,
        kind: kind_from_db(row.get(0)),
        role: role_from_db(row.get(1)),
    }))
}

/// Locks the conversation row (serialising writers of one conversation) and returns its last seq.
pub async fn lock(
    client: &impl GenericClient,
    id: ConversationId,
) -> Result<Option<i64>, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            &client
                .prepare_cached("SELECT last_seq FROM conversations WHERE id = $1 FOR UPDATE")
                .await?,
            &[&id.as_uuid()],
        )
        .await?
        .map(|row| row.get(0)))
}

/// The members of a conversation (empty if it does not exist).
pub async fn members(
    client: &impl GenericClient,
    id: ConversationId,
) -> Result<Vec<UserId>, tokio_postgres::Error> {
    Ok(client
        .query(
            &client.prepare_cached("SELECT user_id FROM conversation_members WHERE conversation_id = $1 ORDER BY user_id").await?,
            &[&id.as_uuid()],
        )
        .await?
        .iter()
        .map(|row| row.get::<_, Uuid>(0).into())
        .collect())
}

/// The conversations `user` is a member of now.
pub async fn ids_of_member(
    client: &impl GenericClient,
    user: UserId,
) -> Result<Vec<Uuid>, tokio_postgres::Error> {
    Ok(client
        .query(
            &client
                .prepare_cached(
                    "SELECT conversation_id FROM conversation_members WHERE user_id = $1",
                )
                .await?,
            &[&user.as_uuid()],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect())
}

/// Whether `user` is a member of `id`.
pub async fn is_member(
    client: &impl GenericClient,
    id: ConversationId,
    user: UserId,
) -> Result<bool, tokio_postgres::Error> {
    Ok(role_of(client, id, user).await?.is_some())
}

/// `user`'s role in `id`, if they are a member.
pub async fn role_of(
    client: &impl GenericClient,
    id: ConversationId,
    user: UserId,
) -> Result<Option<Role>, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            &client.prepare_cached("SELECT role FROM conversation_members WHERE conversation_id = $1 AND user_id = $2").await?,
            &[&id.as_uuid(), &user.as_uuid()],
        )
        .await?
        .map(|row| role_from_db(row.get(0))))
}

/// Adds `users` as members (those already members are left as they are); returns who joined.
pub async fn add_members(
    client: &impl GenericClient,
    id: ConversationId,
    users: &[UserId],
) -> Result<Vec<UserId>, tokio_postgres::Error> {
    let users: Vec<Uuid> = users.iter().map(UserId::as_uuid).collect();
    // Joiners start with nothing unread: the history before them counts as read.
    let rows = client
        .query(
            &client
                .prepare_cached(
                    "INSERT INTO conversation_members
                         (conversation_id, user_id, last_read_seq, last_delivered_seq)
                     SELECT $1, u, c.last_seq, c.last_seq
                     FROM unnest($2::uuid[]) AS u, conversations c WHERE c.id = $1
                     ON CONFLICT DO NOTHING RETURNING user_id",
                )
                .await?,
            &[&id.as_uuid(), &users],
        )
        .await?;
    let mut joined: Vec<UserId> = rows.iter().map(|r| r.get::<_, Uuid>(0).into()).collect();
    joined.sort();
    Ok(joined)
}

/// Removes `user` from `id`; whether they were a member.
pub async fn remove_member(
    client: &impl GenericClient,
    id: ConversationId,
    user: UserId,
) -> Result<bool, tokio_postgres::Error> {
    Ok(client
        .execute(
            &client
                .prepare_cached(
                    "DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2",
                )
                .await?,
            &[&id.as_uuid(), &user.as_uuid()],
        )
        .await?
        > 0)
}

/// Sets `user`'s role in `id`.
pub async fn set_role(
    client: &impl GenericClient,
    id: ConversationId,
    user: UserId,
    role: Role,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            &client.prepare_cached("UPDATE conversation_members SET role = $3 WHERE conversation_id = $1 AND user_id = $2").await?,
            &[&id.as_uuid(), &user.as_uuid(), &role.as_str()],
        )
        .await?;
    Ok(())
}

/// The member who becomes owner when the owner leaves: the longest-standing admin, else the
/// longest-standing member.
pub async fn successor(
    client: &impl GenericClient,
    id: ConversationId,
) -> Result<Option<UserId>, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            &client
                .prepare_cached(
                    "SELECT user_id FROM conversation_members
                     WHERE conversation_id = $1 AND role <> 'owner'
                     ORDER BY (role = 'admin') DESC, joined_at, user_id LIMIT 1",
                )
                .await?,
            &[&id.as_uuid()],
        )
        .await?
        .map(|row| row.get::<_, Uuid>(0).into()))
}

/// How many members `id` has.
pub async fn member_count(
    client: &impl GenericClient,
    id: ConversationId,
) -> Result<i64, tokio_postgres::Error> {
    Ok(client
        .query_one(
            &client
                .prepare_cached(
                    "SELECT count(*) FROM conversation_members WHERE conversation_id = $1",
                )
                .await?,
            &[&id.as_uuid()],
        )
        .await?
        .get(0))
}

/// Renames a group and/or sets its topic (`None` leaves it as it is).
pub async fn update_group(
    client: &impl GenericClient,
    id: ConversationId,
    name: Option<&str>,
    topic: Option<&str>,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            &client
                .prepare_cached(
                    "UPDATE conversations SET name = coalesce($2, name), topic = coalesce($3, topic)
                     WHERE id = $1",
                )
                .await?,
            &[&id.as_uuid(), &name, &topic],
        )
        .await?;
    Ok(())
}

/// Deletes a conversation with everything in it (its last member left).
pub async fn delete(
    client: &impl GenericClient,
    id: ConversationId,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            &client
                .prepare_cached("DELETE FROM conversations WHERE id = $1")
                .await?,
            &[&id.as_uuid()],
        )
        .await?;
    Ok(())
}

/// The group's name and topic now.
pub async fn name_and_topic(
    client: &impl GenericClient,
    id: ConversationId,
) -> Result<(Option<String>, Option<String>), tokio_postgres::Error> {
    let row = client
        .query_one(
            &client
                .prepare_cached("SELECT name, topic FROM conversations WHERE id = $1")
                .await?,
            &[&id.as_uuid()],
        )
        .await?;
    Ok((row.get(0), row.get(1)))
}

/// Every member's own view of a group (role, unread count, watermarks).
pub async fn views(
    client: &impl GenericClient,
    id: ConversationId,
) -> Result<Vec<MemberView>, tokio_postgres::Error> {
    Ok(client
        .query(
            &client
                .prepare_cached(
                    "SELECT user_id, role, unread_count, last_read_seq, last_delivered_seq
                     FROM conversation_members WHERE conversation_id = $1 ORDER BY user_id",
                )
                .await?,
            &[&id.as_uuid()],
        )
        .await?
        .iter()
        .map(|row| MemberView {
            user_id: row.get::<_, Uuid>(0).into(),
            role: role_from_db(row.get(1)),
            unread_count: row.get(2),
            last_read_seq: row.get(3),
            last_delivered_seq: row.get(4),
        })
        .collect())
}

/// What [`CONVERSATION_COLUMNS`] reads, as `viewer` sees it; `me` aliases the viewer's row.
const CONVERSATION_FROM: &str = "
    FROM conversation_members me
    JOIN conversations c ON c.id = me.conversation_id
    LEFT JOIN conversation_members peer
        ON c.kind = 'direct' AND peer.conversation_id = c.id AND peer.user_id <> me.user_id
    LEFT JOIN users u ON u.id = peer.user_id
    LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq
    LEFT JOIN message_votes mv ON mv.message_id = m.id AND mv.user_id = me.user_id";

/// The conversation columns, aliased so that they do not clash with [`MESSAGE_COLUMNS`].
const CONVERSATION_COLUMNS: &str = "c.id AS c_id, c.kind AS c_kind, c.name AS c_name,
    c.topic AS c_topic, c.rev AS c_rev, c.created_at AS c_created_at,
    c.updated_at AS c_updated_at, me.role AS my_role, me.unread_count AS my_unread,
    me.last_read_seq AS my_read, me.last_delivered_seq AS my_delivered,
    (SELECT count(*) FROM conversation_members cm WHERE cm.conversation_id = c.id) AS c_members,
    peer.user_id AS peer_id, coalesce(u.username, '') AS peer_username,
    peer.last_read_seq AS peer_read, peer.last_delivered_seq AS peer_delivered,
    m.id IS NOT NULL AS has_message";

fn conversation_from_row(row: &Row) -> Conversation {
    let kind = kind_from_db(row.get("c_kind"));
    let direct = kind == ConversationKind::Direct;
    let peer = row
        .get::<_, Option<Uuid>>("peer_id")
        .filter(|_| direct)
        .map(|id| Peer {
            id: id.into(),
            username: row.get("peer_username"),
        });
    Conversation {
        id: row.get::<_, Uuid>("c_id").into(),
        kind,
        name: row.get("c_name"),
        topic: row.get("c_topic"),
        peer,
        member_count: row.get("c_members"),
        my_role: (!direct).then(|| role_from_db(row.get("my_role"))),
        rev: row.get("c_rev"),
        last_message: row
            .get::<_, bool>("has_message")
            .then(|| message_from_row_at(row)),
        unread_count: row.get("my_unread"),
        last_read_seq: row.get("my_read"),
        last_delivered_seq: row.get("my_delivered"),
        peer_last_read_seq: if direct { row.get("peer_read") } else { None },
        peer_last_delivered_seq: if direct {
            row.get("peer_delivered")
        } else {
            None
        },
        created_at: row.get("c_created_at"),
        updated_at: row.get("c_updated_at"),
    }
}

/// Conversation `id` as `viewer` sees it, if they are a member.
pub async fn get_for(
    client: &impl GenericClient,
    id: ConversationId,
    viewer: UserId,
) -> Result<Option<Conversation>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS}, {MESSAGE_COLUMNS} {CONVERSATION_FROM}
         WHERE me.user_id = $1 AND me.conversation_id = $2"
    );
    Ok(client
        .query_opt(
            &client.prepare_cached(sql.as_str()).await?,
            &[&viewer.as_uuid(), &id.as_uuid()],
        )
        .await?
        .map(|row| conversation_from_row(&row)))
}

/// `viewer`'s conversations of both kinds, most recently active first, after `cursor`; one more
/// than `limit` when there is a next page.
pub async fn list_for(
    client: &impl GenericClient,
    viewer: UserId,
    cursor: Option<PageCursor>,
    limit: PageSize,
) -> Result<Vec<Conversation>, tokio_postgres::Error> {
    let (after_time, after_id): (Option<DateTime<Utc>>, Option<Uuid>) = match cursor {
        Some(c) => (Some(c.updated_at), Some(c.id)),
        None => (None, None),
    };
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS}, {MESSAGE_COLUMNS} {CONVERSATION_FROM}
         WHERE me.user_id = $1
           AND ($2::timestamptz IS NULL OR (c.updated_at, c.id) < ($2, $3))
         ORDER BY c.updated_at DESC, c.id DESC
         LIMIT $4"
    );
    let rows = client
        .query(
            &client.prepare_cached(sql.as_str()).await?,
            &[
                &viewer.as_uuid(),
                &after_time,
                &after_id,
                &(limit.as_i64() + 1),
            ],
        )
        .await?;
    Ok(rows.iter().map(conversation_from_row).collect())
}

/// One row of a group's member list.
#[derive(Clone, Debug)]
pub struct MemberRow {
    /// The member.
    pub user_id: UserId,
    /// Their username (empty if their account is not known here yet).
    pub username: String,
    /// Their role.
    pub role: Role,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
    /// Their read watermark.
    pub last_read_seq: i64,
    /// Their delivered watermark.
    pub last_delivered_seq: i64,
}

/// A page of `id`'s members, owner first, then admins, then members, each by username; one
/// more than `limit` when there is a next page.
pub async fn members_page(
    client: &impl GenericClient,
    id: ConversationId,
    cursor: Option<&MemberCursor>,
    limit: PageSize,
) -> Result<Vec<MemberRow>, tokio_postgres::Error> {
    const RANK: &str = "CASE cm.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END";
    const NAME: &str = "lower(coalesce(u.username, ''))";
    let sql = format!(
        "SELECT cm.user_id, coalesce(u.username, '') AS username, cm.role, cm.joined_at,
                cm.last_read_seq, cm.last_delivered_seq
         FROM conversation_members cm LEFT JOIN users u ON u.id = cm.user_id
         WHERE cm.conversation_id = $1
           AND ($2::int IS NULL OR ({RANK}, {NAME}, cm.user_id) > ($2, $3, $4))
         ORDER BY {RANK}, {NAME}, cm.user_id
         LIMIT $5"
    );
    let (rank, name, after) = match cursor {
        Some(c) => (
            Some(c.rank),
            Some(c.username_lower.as_str()),
            Some(c.id.as_uuid()),
        ),
        None => (None, None, None),
    };
    Ok(client
        .query(
            &client.prepare_cached(sql.as_str()).await?,
            &[&id.as_uuid(), &rank, &name, &after, &(limit.as_i64() + 1)],
        )
        .await?
        .iter()
        .map(|row| MemberRow {
            user_id: row.get::<_, Uuid>(0).into(),
            username: row.get(1),
            role: role_from_db(row.get(2)),
            joined_at: row.get(3),
            last_read_seq: row.get(4),
            last_delivered_seq: row.get(5),
        })
        .collect())
}

/// A role's place in the member list's order.
pub fn role_rank(role: Role) -> i32 {
    match role {
        Role::Owner => 0,
        Role::Admin => 1,
        Role::Member => 2,
    }
}

fn role_from_db(role: &str) -> Role {
    Role::parse(role).unwrap_or(Role::Member)
}

pub(crate) fn kind_from_db(kind: &str) -> ConversationKind {
    match kind {
        "group" => ConversationKind::Group,
        _ => ConversationKind::Direct,
    }
}
