//! SQL of read and delivered watermarks, and the exact unread counts that follow reading.

use deadpool_postgres::GenericClient;
use shared::ids::{ConversationId, UserId};

/// What moved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Moved {
    /// The new read watermark, if it moved.
    pub read: Option<i64>,
    /// The new delivered watermark, if it moved.
    pub delivered: Option<i64>,
}

/// Moves `reader`'s read watermark forward to `seq` (never back), their delivered watermark
/// with it (reading implies delivered), and recounts their unread messages exactly (others'
/// user messages after the watermark; system messages never count).
pub async fn advance_read(
    client: &impl GenericClient,
    conversation: ConversationId,
    reader: UserId,
    seq: i64,
) -> Result<Moved, tokio_postgres::Error> {
    let row = client
        .query_opt(
            &client
                .prepare_cached(
                    "WITH before AS (
                         SELECT last_delivered_seq FROM conversation_members
                         WHERE conversation_id = $1 AND user_id = $2 FOR UPDATE
                     )
                     UPDATE conversation_members me
                     SET last_read_seq = $3,
                         last_delivered_seq = greatest(me.last_delivered_seq, $3),
                         unread_count = (SELECT count(*) FROM messages m
                                         WHERE m.conversation_id = $1 AND m.seq > $3
                                           AND m.sender_id <> $2 AND m.kind = 'user')
                     FROM before
                     WHERE me.conversation_id = $1 AND me.user_id = $2 AND me.last_read_seq < $3
                     RETURNING me.last_read_seq, me.last_delivered_seq, before.last_delivered_seq",
                )
                .await?,
            &[&conversation.as_uuid(), &reader.as_uuid(), &seq],
        )
        .await?;
    Ok(row.map_or_else(Moved::default, |row| {
        let delivered: i64 = row.get(1);
        let delivered_before: i64 = row.get(2);
        Moved {
            read: Some(row.get(0)),
            delivered: (delivered > delivered_before).then_some(delivered),
        }
    }))
}

/// Moves `user`'s delivered watermark forward to `seq` (never back); the new one if it moved.
pub async fn advance_delivered(
    client: &impl GenericClient,
    conversation: ConversationId,
    user: UserId,
    seq: i64,
) -> Result<Option<i64>, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            &client
                .prepare_cached(
                    "UPDATE conversation_members SET last_delivered_seq = $3
                     WHERE conversation_id = $1 AND user_id = $2 AND last_delivered_seq < $3
                     RETURNING last_delivered_seq",
                )
                .await?,
            &[&conversation.as_uuid(), &user.as_uuid(), &seq],
        )
        .await?
        .map(|row| row.get(0)))
}
