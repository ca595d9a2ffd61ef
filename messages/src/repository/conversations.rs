//! SQL of conversations and their members: finding, creating and locking them, membership,
//! and a user's conversation list.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use shared::events::ChatMessage;
use shared::ids::{ConversationId, UserId};
use uuid::Uuid;

use super::messages::{MESSAGE_COLUMNS, message_from_row_at};
use crate::domain::{PageCursor, PageSize};

fn pair_key(a: UserId, b: UserId) -> String {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    format!("{low}:{high}")
}

/// The two-party conversation of `a` and `b`, if it exists.
pub async fn find_pair(
    client: &impl GenericClient,
    a: UserId,
    b: UserId,
) -> Result<Option<ConversationId>, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            &client
                .prepare_cached("SELECT id FROM conversations WHERE pair_key = $1")
                .await?,
            &[&pair_key(a, b)],
        )
        .await?
        .map(|row| row.get::<_, Uuid>(0).into()))
}

/// Locks the two-party conversation of `a` and `b` (serialising writers of it), if it exists.
pub async fn lock_pair(
    client: &impl GenericClient,
    a: UserId,
    b: UserId,
) -> Result<Option<ConversationId>, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            &client
                .prepare_cached("SELECT id FROM conversations WHERE pair_key = $1 FOR UPDATE")
                .await?,
            &[&pair_key(a, b)],
        )
        .await?
        .map(|row| row.get::<_, Uuid>(0).into()))
}

/// Creates the two-party conversation of `a` and `b` with both members, unless it exists.
pub async fn create_pair(
    client: &impl GenericClient,
    a: UserId,
    b: UserId,
) -> Result<(), tokio_postgres::Error> {
    let created = client
        .query_opt(
            &client
                .prepare_cached(
                    "INSERT INTO conversations (id, pair_key) VALUES ($1, $2)
                     ON CONFLICT (pair_key) DO NOTHING RETURNING id",
                )
                .await?,
            &[&Uuid::now_v7(), &pair_key(a, b)],
        )
        .await?;
    if let Some(row) = created {
        let id: Uuid = row.get(0);
        client
            .execute(
                &client
                    .prepare_cached(
                        "INSERT INTO conversation_members (conversation_id, user_id) VALUES ($1, $2), ($1, $3)",
                    )
                    .await?,
                &[&id, &a.as_uuid(), &b.as_uuid()],
            )
            .await?;
    }
    Ok(())
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

/// Whether `user` is a member of `id`.
pub async fn is_member(
    client: &impl GenericClient,
    id: ConversationId,
    user: UserId,
) -> Result<bool, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            &client.prepare_cached("SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $2").await?,
            &[&id.as_uuid(), &user.as_uuid()],
        )
        .await?
        .is_some())
}

/// One row of a user's conversation list.
pub struct ConversationSummary {
    /// The conversation.
    pub id: ConversationId,
    /// The other participant.
    pub peer_id: UserId,
    /// Their username (empty if their account is not known here yet).
    pub peer_username: String,
    /// The newest message.
    pub last_message: Option<ChatMessage>,
    /// Messages from the peer after the viewer's watermark.
    pub unread_count: i64,
    /// The viewer's watermark.
    pub last_read_seq: i64,
    /// The peer's watermark.
    pub peer_last_read_seq: i64,
    /// When the newest message arrived (or the conversation began).
    pub updated_at: DateTime<Utc>,
}

/// `viewer`'s conversations, most recently active first, after `cursor`.
pub async fn list_for(
    client: &impl GenericClient,
    viewer: UserId,
    cursor: Option<PageCursor>,
    limit: PageSize,
) -> Result<Vec<ConversationSummary>, tokio_postgres::Error> {
    let (after_time, after_id) = match cursor {
        Some(c) => (Some(c.updated_at), Some(c.id)),
        None => (None, None),
    };
    let sql = format!(
        "SELECT c.id AS conversation_id_, c.updated_at, me.last_read_seq, me.unread_count,
                peer.user_id AS peer_id, peer.last_read_seq AS peer_last_read_seq,
                coalesce(u.username, '') AS peer_username,
                m.id IS NOT NULL AS has_message, {MESSAGE_COLUMNS}
         FROM conversation_members me
         JOIN conversations c ON c.id = me.conversation_id
         JOIN conversation_members peer ON peer.conversation_id = c.id AND peer.user_id <> me.user_id
         LEFT JOIN users u ON u.id = peer.user_id
         LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq
         LEFT JOIN message_votes mv ON mv.message_id = m.id AND mv.user_id = me.user_id
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
    Ok(rows
        .iter()
        .map(|row| ConversationSummary {
            id: row.get::<_, Uuid>("conversation_id_").into(),
            peer_id: row.get::<_, Uuid>("peer_id").into(),
            peer_username: row.get("peer_username"),
            last_message: row
                .get::<_, bool>("has_message")
                .then(|| message_from_row_at(row)),
            unread_count: row.get("unread_count"),
            last_read_seq: row.get("last_read_seq"),
            peer_last_read_seq: row.get("peer_last_read_seq"),
            updated_at: row.get("updated_at"),
        })
        .collect())
}
