//! SQL of messages: storing one with the next `seq`, finding a repeated send, pages of history.

use deadpool_postgres::GenericClient;
use shared::events::{ChatMessage, MessageKind, SystemInfo, Vote, VoteCounts};
use shared::ids::{ConversationId, MessageId, UserId};
use tokio_postgres::Row;
use tokio_postgres::types::Json;
use uuid::Uuid;

use crate::domain::HistoryWindow;

/// The columns [`message_from_row_at`] reads; queries alias `messages` as `m` and the viewer's
/// vote row as `mv`.
pub const MESSAGE_COLUMNS: &str = "m.id, m.conversation_id, m.seq, m.sender_id, m.receiver_id, \
     m.kind, m.system, m.content, m.created_at, m.up_votes, m.down_votes, m.rev, \
     mv.vote AS my_vote";

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
        reply_to: None,
        created_at: row.get("created_at"),
        edited_at: None,
        deleted_at: None,
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

/// The message `sender` already sent with this client id, in any conversation (a retried send).
pub async fn find_by_client_id(
    client: &impl GenericClient,
    sender: UserId,
    client_msg_id: &str,
) -> Result<Option<ChatMessage>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m
         LEFT JOIN message_votes mv ON mv.message_id = m.id AND mv.user_id = $1
         WHERE m.sender_id = $1 AND m.client_msg_id = $2"
    );
    Ok(client
        .query_opt(
            &client.prepare_cached(sql.as_str()).await?,
            &[&sender.as_uuid(), &client_msg_id],
        )
        .await?
        .map(|row| message_from_row_at(&row)))
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
                                           kind, system, client_msg_id, content)
                     SELECT $1, $2, next.last_seq, next.rev, $3, $4, $5, $6, $7, $8 FROM next
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
            ],
        )
        .await?;
    Ok(ChatMessage {
        kind: new.kind,
        system: new.system.cloned(),
        rev: row.get(2),
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
