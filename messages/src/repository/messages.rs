//! SQL of messages: storing one with the next `seq`, finding a repeated send, pages of history.

use deadpool_postgres::GenericClient;
use shared::events::{ChatMessage, Vote, VoteCounts};
use shared::ids::{ConversationId, MessageId, UserId};
use tokio_postgres::Row;
use uuid::Uuid;

use shared::chat::Content;

use crate::domain::HistoryWindow;

/// The columns [`message_from_row_at`] reads; queries alias `messages` as `m` and the viewer's
/// vote row as `mv`.
pub const MESSAGE_COLUMNS: &str = "m.id, m.conversation_id, m.seq, m.sender_id, m.receiver_id, \
     m.content, m.created_at, m.up_votes, m.down_votes, mv.vote AS my_vote";

/// A message from a row selected with [`MESSAGE_COLUMNS`].
pub fn message_from_row_at(row: &Row) -> ChatMessage {
    ChatMessage {
        id: row.get::<_, Uuid>("id").into(),
        conversation_id: row.get::<_, Uuid>("conversation_id").into(),
        seq: row.get("seq"),
        sender_id: row.get::<_, Uuid>("sender_id").into(),
        receiver_id: row.get::<_, Uuid>("receiver_id").into(),
        content: row.get("content"),
        created_at: row.get("created_at"),
        votes: VoteCounts {
            up: row.get("up_votes"),
            down: row.get("down_votes"),
            mine: vote_from_db(row.get("my_vote")),
        },
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

/// The message a sender already sent with this client id, if any (a retried send).
pub async fn find_by_client_id(
    client: &impl GenericClient,
    conversation: ConversationId,
    sender: UserId,
    client_msg_id: &str,
) -> Result<Option<ChatMessage>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m
         LEFT JOIN message_votes mv ON mv.message_id = m.id AND mv.user_id = $2
         WHERE m.conversation_id = $1 AND m.sender_id = $2 AND m.client_msg_id = $3"
    );
    Ok(client
        .query_opt(
            &client.prepare_cached(sql.as_str()).await?,
            &[&conversation.as_uuid(), &sender.as_uuid(), &client_msg_id],
        )
        .await?
        .map(|row| message_from_row_at(&row)))
}

/// A message to store.
pub struct NewMessage<'a> {
    /// Its conversation, locked by the caller.
    pub conversation: ConversationId,
    /// Who wrote it.
    pub sender: UserId,
    /// Who it is for.
    pub receiver: UserId,
    /// The sender's id for it.
    pub client_msg_id: &'a str,
    /// The text.
    pub content: &'a Content,
}

/// Stores a message with its conversation's next seq, counts it unread for the receiver, and
/// returns it as the contract shows it. One statement (one round trip): the seq bump, the
/// insert and the unread count are data-modifying parts of one query.
pub async fn insert_next(
    client: &impl GenericClient,
    new: &NewMessage<'_>,
) -> Result<ChatMessage, tokio_postgres::Error> {
    let id = MessageId::new();
    let row = client
        .query_one(
            &client
                .prepare_cached(
                    "WITH next AS (
                         UPDATE conversations SET last_seq = last_seq + 1, updated_at = now()
                         WHERE id = $2 RETURNING last_seq
                     ), unread AS (
                         UPDATE conversation_members SET unread_count = unread_count + 1
                         WHERE conversation_id = $2 AND user_id = $4
                     )
                     INSERT INTO messages
                         (id, conversation_id, seq, sender_id, receiver_id, client_msg_id, content)
                     SELECT $1, $2, next.last_seq, $3, $4, $5, $6 FROM next
                     RETURNING seq, created_at",
                )
                .await?,
            &[
                &id.as_uuid(),
                &new.conversation.as_uuid(),
                &new.sender.as_uuid(),
                &new.receiver.as_uuid(),
                &new.client_msg_id,
                &new.content.as_str(),
            ],
        )
        .await?;
    Ok(ChatMessage {
        id,
        conversation_id: new.conversation,
        seq: row.get(0),
        sender_id: new.sender,
        receiver_id: new.receiver,
        content: new.content.as_str().to_owned(),
        created_at: row.get(1),
        votes: VoteCounts::default(),
    })
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
