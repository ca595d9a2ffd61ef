//! SQL of messages: storing one with the next `seq`, finding a repeated send, pages of history.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use shared::db::Deferred;
use shared::events::{ChatMessage, MessageKind, ReplyTo, SystemInfo, Vote, VoteCounts};
use shared::ids::{ConversationId, MessageId, UserId};
use tokio_postgres::Row;
use tokio_postgres::types::{Json, ToSql};
use uuid::Uuid;

use crate::domain::{HistoryWindow, PageSize};

/// The columns [`message_from_row_at`] reads; queries alias `messages` as `m` and the viewer's
/// vote row as `mv`.
pub const MESSAGE_COLUMNS: &str = "m.id, m.conversation_id, m.seq, m.sender_id, m.receiver_id, \
     m.kind, m.system, m.content, m.reply_to_id, m.created_at, m.edited_at, m.deleted_at, \
     m.up_votes, m.down_votes, m.rev, mv.vote AS my_vote";

/// A message from a row selected with [`MESSAGE_COLUMNS`].
pub fn message_from_row_at(row: &Row) -> ChatMessage {
    ChatMessage {
        id: row.get::<_, Uuid>("id").into(),
        conversation_id: row.get::<_, Uuid>("conversation_id").into(),
        seq: row.get("seq"),
        sender_id: row.get::<_, Uuid>("sender_id").into(),
        receiver_id: row.get::<_, Option<Uuid>>("receiver_id").map(UserId::from),
        kind: kind_from_db(row.get("kind")),
        system: row
            .get::<_, Option<Json<SystemInfo>>>("system")
            .map(|Json(system)| system),
        content: row.get("content"),
        // The replied message as it is now is filled in by `crate::view`.
        reply_to: row.get::<_, Option<Uuid>>("reply_to_id").map(|id| ReplyTo {
            id: id.into(),
            seq: 0,
            sender_id: Uuid::nil().into(),
            preview: String::new(),
        }),
        created_at: row.get("created_at"),
        edited_at: row.get("edited_at"),
        deleted_at: row.get("deleted_at"),
        votes: VoteCounts {
            up: row.get("up_votes"),
            down: row.get("down_votes"),
            mine: vote_from_db(row.get("my_vote")),
        },
        reactions: Vec::new(),
        attachments: Vec::new(),
        rev: row.get("rev"),
    }
}

fn kind_from_db(kind: &str) -> MessageKind {
    match kind {
        "system" => MessageKind::System,
        _ => MessageKind::User,
    }
}

fn kind_to_db(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::User => "user",
        MessageKind::System => "system",
    }
}

/// The stored form of a vote.
pub fn vote_from_db(value: Option<i16>) -> Option<Vote> {
    match value {
        Some(1) => Some(Vote::Up),
        Some(-1) => Some(Vote::Down),
        _ => None,
    }
}

/// The messages already stored under any of `sends` (sender, client id): retried sends.
pub async fn find_by_client_ids(
    client: &impl GenericClient,
    sends: &[(UserId, &str)],
) -> Result<HashMap<(UserId, String), ChatMessage>, tokio_postgres::Error> {
    let senders: Vec<Uuid> = sends.iter().map(|(s, _)| s.as_uuid()).collect();
    let ids: Vec<&str> = sends.iter().map(|(_, id)| *id).collect();
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS}, m.client_msg_id FROM messages m
         JOIN unnest($1::uuid[], $2::text[]) AS t(sender_id, client_msg_id)
           ON t.sender_id = m.sender_id AND t.client_msg_id = m.client_msg_id
         LEFT JOIN message_votes mv ON mv.message_id = m.id AND mv.user_id = m.sender_id"
    );
    Ok(client
        .query(
            &client.prepare_cached(sql.as_str()).await?,
            &[&senders, &ids],
        )
        .await?
        .iter()
        .map(|row| {
            let message = message_from_row_at(row);
            ((message.sender_id, row.get("client_msg_id")), message)
        })
        .collect())
}

/// The time of the caller's transaction, which every row it writes takes as its own (a
/// column's `DEFAULT now()` included): a message's `createdAt`, shown in its ack before the
/// transaction's last statements have run.
pub async fn transaction_time(
    client: &impl GenericClient,
) -> Result<DateTime<Utc>, tokio_postgres::Error> {
    let row = client
        .query_one(&client.prepare_cached("SELECT now()").await?, &[])
        .await?;
    Ok(row.get(0))
}

/// Stores `batch`, user messages numbered by the caller (whose transaction holds their
/// conversations' locks, [`super::conversations::Numbering`]) and sent under `client_msg_ids`,
/// in one statement: each conversation's counters move to its last message of the batch, every
/// other member gets one more unread message per message. Nothing here needs its answer, so it
/// is handed back [`Deferred`], for the caller to send with its transaction's next round trip.
pub async fn insert_many(
    client: &impl GenericClient,
    batch: &[ChatMessage],
    client_msg_ids: &[&str],
) -> Result<Option<Deferred>, tokio_postgres::Error> {
    if batch.is_empty() {
        return Ok(None);
    }
    let statement = client
        .prepare_cached(
            "WITH input AS (
                 SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::bigint[],
                                      $5::uuid[], $6::uuid[], $7::text[], $8::text[],
                                      $9::uuid[], $10::timestamptz[])
                     AS t(id, conversation_id, seq, rev, sender_id, receiver_id,
                          client_msg_id, content, reply_to_id, created_at)
             ), bump AS (
                 UPDATE conversations c
                 SET last_seq = n.seq, rev = n.rev, updated_at = now()
                 FROM (SELECT conversation_id, max(seq) AS seq, max(rev) AS rev
                       FROM input GROUP BY conversation_id) n
                 WHERE c.id = n.conversation_id
             ), unread AS (
                 UPDATE conversation_members cm SET unread_count = cm.unread_count + u.n
                 FROM (SELECT m.conversation_id, m.user_id, count(*) AS n
                       FROM input x JOIN conversation_members m
                         ON m.conversation_id = x.conversation_id AND m.user_id <> x.sender_id
                       GROUP BY m.conversation_id, m.user_id) u
                 WHERE cm.conversation_id = u.conversation_id AND cm.user_id = u.user_id
             )
             INSERT INTO messages (id, conversation_id, seq, rev, sender_id, receiver_id,
                                   client_msg_id, content, reply_to_id, created_at)
             SELECT id, conversation_id, seq, rev, sender_id, receiver_id, client_msg_id,
                    content, reply_to_id, created_at
             FROM input",
        )
        .await?;
    let params: Vec<Box<dyn ToSql + Sync + Send>> = vec![
        Box::new(batch.iter().map(|m| m.id.as_uuid()).collect::<Vec<_>>()),
        Box::new(
            batch
                .iter()
                .map(|m| m.conversation_id.as_uuid())
                .collect::<Vec<_>>(),
        ),
        Box::new(batch.iter().map(|m| m.seq).collect::<Vec<_>>()),
        Box::new(batch.iter().map(|m| m.rev).collect::<Vec<_>>()),
        Box::new(
            batch
                .iter()
                .map(|m| m.sender_id.as_uuid())
                .collect::<Vec<_>>(),
        ),
        Box::new(
            batch
                .iter()
                .map(|m| m.receiver_id.map(|r| r.as_uuid()))
                .collect::<Vec<_>>(),
        ),
        Box::new(
            client_msg_ids
                .iter()
                .map(|id| (*id).to_owned())
                .collect::<Vec<_>>(),
        ),
        Box::new(batch.iter().map(|m| m.content.clone()).collect::<Vec<_>>()),
        Box::new(
            batch
                .iter()
                .map(|m| m.reply_to.as_ref().map(|r| r.id.as_uuid()))
                .collect::<Vec<_>>(),
        ),
        Box::new(batch.iter().map(|m| m.created_at).collect::<Vec<_>>()),
    ];
    Ok(Some(Deferred::new(statement, params)))
}

/// Of `wanted` (message, conversation), the messages that exist in that conversation, as a
/// reply would show them.
pub async fn reply_targets(
    client: &impl GenericClient,
    wanted: &[(MessageId, ConversationId)],
) -> Result<HashMap<MessageId, ReplyTo>, tokio_postgres::Error> {
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let messages: Vec<Uuid> = wanted.iter().map(|(m, _)| m.as_uuid()).collect();
    let conversations: Vec<Uuid> = wanted.iter().map(|(_, c)| c.as_uuid()).collect();
    Ok(client
        .query(
            &client
                .prepare_cached(
                    "SELECT m.id, m.seq, m.sender_id,
                            CASE WHEN m.deleted_at IS NULL THEN left(m.content, 100) ELSE '' END
                     FROM messages m JOIN unnest($1::uuid[], $2::uuid[]) AS t(id, conversation_id)
                       ON t.id = m.id AND t.conversation_id = m.conversation_id",
                )
                .await?,
            &[&messages, &conversations],
        )
        .await?
        .iter()
        .map(|row| {
            let id: MessageId = row.get::<_, Uuid>(0).into();
            (
                id,
                ReplyTo {
                    id,
                    seq: row.get(1),
                    sender_id: row.get::<_, Uuid>(2).into(),
                    preview: row.get(3),
                },
            )
        })
        .collect())
}

/// A message to store.
pub struct NewMessage<'a> {
    /// Its conversation, locked by the caller.
    pub conversation: ConversationId,
    /// Who wrote it (for a system message, who made the change).
    pub sender: UserId,
    /// The other participant of a direct conversation; `None` in a group.
    pub receiver: Option<UserId>,
    /// A user's message or a system message.
    pub kind: MessageKind,
    /// What a system message records.
    pub system: Option<&'a SystemInfo>,
    /// The sender's id for it (a system message gets a unique one).
    pub client_msg_id: &'a str,
    /// The text (empty for a system message).
    pub content: &'a str,
    /// The message it replies to, as it is now (found by the caller in the same conversation).
    pub reply_to: Option<&'a ReplyTo>,
}

/// Stores a message with its conversation's next seq and rev, counts a user's message unread
/// for every other member, and returns it as the contract shows it. One statement (one round
/// trip): the seq bump, the insert and the unread counts are data-modifying parts of one query.
pub async fn insert_next(
    client: &impl GenericClient,
    new: &NewMessage<'_>,
) -> Result<ChatMessage, tokio_postgres::Error> {
    let id = MessageId::new();
    let kind = kind_to_db(new.kind);
    let row = client
        .query_one(
            &client
                .prepare_cached(
                    "WITH next AS (
                         UPDATE conversations
                         SET last_seq = last_seq + 1, rev = rev + 1, updated_at = now()
                         WHERE id = $2 RETURNING last_seq, rev
                     ), unread AS (
                         UPDATE conversation_members SET unread_count = unread_count + 1
                         WHERE conversation_id = $2 AND user_id <> $3 AND $5 = 'user'
                     )
                     INSERT INTO messages (id, conversation_id, seq, rev, sender_id, receiver_id,
                                           kind, system, client_msg_id, content, reply_to_id)
                     SELECT $1, $2, next.last_seq, next.rev, $3, $4, $5, $6, $7, $8, $9 FROM next
                     RETURNING seq, created_at, rev",
                )
                .await?,
            &[
                &id.as_uuid(),
                &new.conversation.as_uuid(),
                &new.sender.as_uuid(),
                &new.receiver.map(|r| r.as_uuid()),
                &kind,
                &new.system.map(Json),
                &new.client_msg_id,
                &new.content,
                &new.reply_to.map(|r| r.id.as_uuid()),
            ],
        )
        .await?;
    Ok(ChatMessage {
        kind: new.kind,
        system: new.system.cloned(),
        rev: row.get(2),
        reply_to: new.reply_to.cloned(),
        ..ChatMessage::new_user(
            id,
            new.conversation,
            row.get(0),
            new.sender,
            new.receiver,
            new.content.to_owned(),
            row.get(1),
        )
    })
}

/// `message` as it is now, as nobody in particular sees it (no `mine`; reactions and the
/// replied message are filled in by the caller).
pub async fn by_id(
    client: &impl GenericClient,
    message: MessageId,
) -> Result<Option<ChatMessage>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m
         LEFT JOIN message_votes mv ON false
         WHERE m.id = $1"
    );
    Ok(client
        .query_opt(
            &client.prepare_cached(sql.as_str()).await?,
            &[&message.as_uuid()],
        )
        .await?
        .map(|row| message_from_row_at(&row)))
}

/// The messages replied to, as they are now: a preview of their first 100 characters, empty
/// once deleted.
pub async fn replied(
    client: &impl GenericClient,
    ids: &[Uuid],
) -> Result<Vec<ReplyTo>, tokio_postgres::Error> {
    Ok(client
        .query(
            &client
                .prepare_cached(
                    "SELECT id, seq, sender_id,
                            CASE WHEN deleted_at IS NULL THEN left(content, 100) ELSE '' END
                     FROM messages WHERE id = ANY($1)",
                )
                .await?,
            &[&ids],
        )
        .await?
        .iter()
        .map(|row| ReplyTo {
            id: row.get::<_, Uuid>(0).into(),
            seq: row.get(1),
            sender_id: row.get::<_, Uuid>(2).into(),
            preview: row.get(3),
        })
        .collect())
}

/// The most earlier versions of a message kept.
const KEPT_REVISIONS: i32 = 100;

/// Replaces `message`'s text with `content`, keeping the text it had (and when that text was
/// written) as its newest revision, and only the latest 100; returns the edit's time.
pub async fn edit(
    client: &impl GenericClient,
    message: MessageId,
    content: &str,
) -> Result<chrono::DateTime<chrono::Utc>, tokio_postgres::Error> {
    let row = client
        .query_one(
            &client
                .prepare_cached(
                    "WITH old AS (
                         SELECT content, edited_at FROM messages WHERE id = $1
                     ), kept AS (
                         INSERT INTO message_revisions (message_id, version, content, edited_at)
                         SELECT $1, coalesce((SELECT max(version) FROM message_revisions
                                              WHERE message_id = $1), 0) + 1,
                                old.content, old.edited_at
                         FROM old
                         RETURNING version
                     ), pruned AS (
                         DELETE FROM message_revisions
                         WHERE message_id = $1 AND version <= (SELECT version FROM kept) - $3
                     )
                     UPDATE messages SET content = $2, edited_at = now()
                     WHERE id = $1 RETURNING edited_at",
                )
                .await?,
            &[&message.as_uuid(), &content, &KEPT_REVISIONS],
        )
        .await?;
    Ok(row.get(0))
}

/// A revision of a message: its text then, and when that text was written (null for the
/// original).
pub struct Revision {
    /// The text.
    pub content: String,
    /// When it was written by an edit; `None` for the original.
    pub edited_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `message`'s earlier versions, the original first.
pub async fn revisions(
    client: &impl GenericClient,
    message: MessageId,
) -> Result<Vec<Revision>, tokio_postgres::Error> {
    Ok(client
        .query(
            &client
                .prepare_cached(
                    "SELECT content, edited_at FROM message_revisions
                     WHERE message_id = $1 ORDER BY version",
                )
                .await?,
            &[&message.as_uuid()],
        )
        .await?
        .iter()
        .map(|row| Revision {
            content: row.get(0),
            edited_at: row.get(1),
        })
        .collect())
}

/// Turns `message` into a tombstone: no text, reply, votes, reactions or revisions; it keeps
/// its id and seq. Members who had not read it stop counting it as unread. Returns `false` if it
/// already was one.
pub async fn tombstone(
    client: &impl GenericClient,
    message: MessageId,
) -> Result<bool, tokio_postgres::Error> {
    let row = client
        .query_opt(
            &client
                .prepare_cached(
                    "WITH gone AS (
                         UPDATE messages
                         SET content = '', reply_to_id = NULL, deleted_at = now(),
                             up_votes = 0, down_votes = 0, votes_version = votes_version + 1
                         WHERE id = $1 AND deleted_at IS NULL
                         RETURNING conversation_id, seq, sender_id, kind
                     ), unread AS (
                         UPDATE conversation_members cm
                         SET unread_count = greatest(cm.unread_count - 1, 0)
                         FROM gone
                         WHERE gone.kind = 'user' AND cm.conversation_id = gone.conversation_id
                           AND cm.user_id <> gone.sender_id AND cm.last_read_seq < gone.seq
                     ), votes AS (
                         DELETE FROM message_votes WHERE message_id = $1 AND EXISTS (SELECT 1 FROM gone)
                     ), reactions AS (
                         DELETE FROM message_reactions WHERE message_id = $1 AND EXISTS (SELECT 1 FROM gone)
                     ), revisions AS (
                         DELETE FROM message_revisions WHERE message_id = $1 AND EXISTS (SELECT 1 FROM gone)
                     )
                     SELECT 1 FROM gone",
                )
                .await?,
            &[&message.as_uuid()],
        )
        .await?;
    Ok(row.is_some())
}

/// Gives `message` its conversation's next `rev` (every change of a message does: a vote, an
/// edit, a delete, a reaction), so the change feed shows it; returns that rev.
pub async fn touch(
    client: &impl GenericClient,
    message: MessageId,
) -> Result<i64, tokio_postgres::Error> {
    Ok(client
        .query_one(
            &client
                .prepare_cached(
                    "WITH bump AS (
                         UPDATE conversations c SET rev = c.rev + 1
                         FROM messages m WHERE m.id = $1 AND c.id = m.conversation_id
                         RETURNING c.rev
                     )
                     UPDATE messages SET rev = (SELECT rev FROM bump) WHERE id = $1
                     RETURNING rev",
                )
                .await?,
            &[&message.as_uuid()],
        )
        .await?
        .get(0))
}

/// The messages of `conversation` changed after `since` (new ones included), in `rev` order, as
/// `viewer` sees them; one more than `limit` when there are more.
pub async fn changes(
    client: &impl GenericClient,
    conversation: ConversationId,
    viewer: UserId,
    since: i64,
    limit: PageSize,
) -> Result<Vec<ChatMessage>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m
         LEFT JOIN message_votes mv ON mv.message_id = m.id AND mv.user_id = $2
         WHERE m.conversation_id = $1 AND m.rev > $3
         ORDER BY m.rev LIMIT $4"
    );
    Ok(client
        .query(
            &client.prepare_cached(sql.as_str()).await?,
            &[
                &conversation.as_uuid(),
                &viewer.as_uuid(),
                &since,
                &(limit.as_i64() + 1),
            ],
        )
        .await?
        .iter()
        .map(message_from_row_at)
        .collect())
}

/// The conversation `message` is in, if it exists.
pub async fn conversation_of(
    client: &impl GenericClient,
    message: MessageId,
) -> Result<Option<ConversationId>, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            &client
                .prepare_cached("SELECT conversation_id FROM messages WHERE id = $1")
                .await?,
            &[&message.as_uuid()],
        )
        .await?
        .map(|row| row.get::<_, Uuid>(0).into()))
}

/// A page of a conversation in ascending seq, and whether more lie beyond it in the direction
/// of travel.
pub async fn page(
    client: &impl GenericClient,
    conversation: ConversationId,
    viewer: UserId,
    window: HistoryWindow,
) -> Result<(Vec<ChatMessage>, bool), tokio_postgres::Error> {
    // Each window spells out its own bound so that the (conversation_id, seq) index serves it
    // under a generic plan of the prepared statement too: `$3 IS NULL OR m.seq < $3` made deep
    // pages scan from the newest message down to the cursor.
    let (condition, order, bound, limit) = match window {
        HistoryWindow::Newest(limit) => ("$3::bigint IS NULL", "DESC", None, limit),
        HistoryWindow::Before(seq, limit) => ("m.seq < $3", "DESC", Some(seq), limit),
        HistoryWindow::After(seq, limit) => ("m.seq > $3", "ASC", Some(seq), limit),
        // The routes read a page around a message with [`around`]; here it is read from there.
        HistoryWindow::Around(seq, limit) => ("m.seq >= $3", "ASC", Some(seq), limit),
    };
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m
         LEFT JOIN message_votes mv ON mv.message_id = m.id AND mv.user_id = $2
         WHERE m.conversation_id = $1 AND {condition}
         ORDER BY m.seq {order} LIMIT $4"
    );
    let rows = client
        .query(
            &client.prepare_cached(sql.as_str()).await?,
            &[
                &conversation.as_uuid(),
                &viewer.as_uuid(),
                &bound,
                &(limit.as_i64() + 1),
            ],
        )
        .await?;
    let has_more = rows.len() as i64 > limit.as_i64();
    let mut messages: Vec<ChatMessage> = rows
        .iter()
        .take(usize::from(limit.get()))
        .map(message_from_row_at)
        .collect();
    if order == "DESC" {
        messages.reverse();
    }
    Ok((messages, has_more))
}

/// A page of a conversation centred on a message.
pub struct AroundPage {
    /// Ascending seq: about half before the message, it and the rest after.
    pub messages: Vec<ChatMessage>,
    /// Older messages remain before the page.
    pub has_more_before: bool,
    /// Newer messages remain after the page.
    pub has_more_after: bool,
}

/// About `limit` messages of `conversation` centred on `seq` (which need not exist: a deleted
/// or unknown seq still places the page), as `viewer` sees them. One statement, both halves
/// served by the (conversation_id, seq) index.
pub async fn around(
    client: &impl GenericClient,
    conversation: ConversationId,
    viewer: UserId,
    seq: i64,
    limit: PageSize,
) -> Result<AroundPage, tokio_postgres::Error> {
    let before = limit.as_i64() / 2;
    let after = limit.as_i64() - before;
    let sql = format!(
        "(SELECT {MESSAGE_COLUMNS} FROM messages m
          LEFT JOIN message_votes mv ON mv.message_id = m.id AND mv.user_id = $2
          WHERE m.conversation_id = $1 AND m.seq < $3
          ORDER BY m.seq DESC LIMIT $4)
         UNION ALL
         (SELECT {MESSAGE_COLUMNS} FROM messages m
          LEFT JOIN message_votes mv ON mv.message_id = m.id AND mv.user_id = $2
          WHERE m.conversation_id = $1 AND m.seq >= $3
          ORDER BY m.seq ASC LIMIT $5)"
    );
    let rows = client
        .query(
            &client.prepare_cached(sql.as_str()).await?,
            &[
                &conversation.as_uuid(),
                &viewer.as_uuid(),
                &seq,
                &(before + 1),
                &(after + 1),
            ],
        )
        .await?;
    let (mut older, mut newer): (Vec<ChatMessage>, Vec<ChatMessage>) = rows
        .iter()
        .map(message_from_row_at)
        .partition(|m| m.seq < seq);
    // Each half was read one row past its share, to tell whether more lie beyond it.
    older.sort_unstable_by_key(|m| std::cmp::Reverse(m.seq));
    newer.sort_unstable_by_key(|m| m.seq);
    let has_more_before = older.len() as i64 > before;
    let has_more_after = newer.len() as i64 > after;
    older.truncate(usize::try_from(before).unwrap_or_default());
    newer.truncate(usize::try_from(after).unwrap_or_default());
    older.reverse();
    older.append(&mut newer);
    Ok(AroundPage {
        messages: older,
        has_more_before,
        has_more_after,
    })
}
