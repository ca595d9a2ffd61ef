//! SQL of read watermarks and the exact unread counts that follow them.

use deadpool_postgres::GenericClient;
use shared::ids::{ConversationId, UserId};

/// Moves `reader`'s watermark forward to `seq` (never back), recounting their unread exactly.
/// Returns the new watermark if it moved, `None` if it was already there or beyond.
pub async fn advance(
    client: &impl GenericClient,
    conversation: ConversationId,
    reader: UserId,
    seq: i64,
) -> Result<Option<i64>, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            &client
                .prepare_cached(
                    "UPDATE conversation_members me
             SET last_read_seq = $3,
                 unread_count = (SELECT count(*) FROM messages m
                                 WHERE m.conversation_id = $1 AND m.seq > $3 AND m.sender_id <> $2)
             WHERE me.conversation_id = $1 AND me.user_id = $2 AND me.last_read_seq < $3
             RETURNING last_read_seq",
                )
                .await?,
            &[&conversation.as_uuid(), &reader.as_uuid(), &seq],
        )
        .await?
        .map(|row| row.get(0)))
}
