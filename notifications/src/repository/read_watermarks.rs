//! The `read_watermarks` table: how far each reader has read each conversation.
//!
//! Both functions lock the `(owner, conversation)` row until the caller's transaction ends, so
//! a `message.read` and a `message.sent` of the same conversation and reader take turns: the
//! one that comes second always sees what the first did.

use deadpool_postgres::GenericClient;
use shared::ids::{ConversationId, UserId};

/// The seq `owner` has read `conversation` up to (0 if nothing), locking it for the
/// transaction.
pub async fn lock(
    client: &impl GenericClient,
    owner: UserId,
    conversation: ConversationId,
) -> Result<i64, tokio_postgres::Error> {
    // A no-op update still takes the row lock, and the row must exist to be locked.
    let row = client
        .query_one(
            &client.prepare_cached("INSERT INTO read_watermarks (owner_id, conversation_id, read_seq) VALUES ($1, $2, 0)
             ON CONFLICT (owner_id, conversation_id)
                DO UPDATE SET read_seq = read_watermarks.read_seq
             RETURNING read_seq").await?,
            &[&owner.as_uuid(), &conversation.as_uuid()],
        )
        .await?;
    row.try_get(0)
}

/// Moves the watermark forward to `seq` (never back), locking it for the transaction.
pub async fn advance(
    client: &impl GenericClient,
    owner: UserId,
    conversation: ConversationId,
    seq: i64,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            &client.prepare_cached("INSERT INTO read_watermarks (owner_id, conversation_id, read_seq) VALUES ($1, $2, $3)
             ON CONFLICT (owner_id, conversation_id)
                DO UPDATE SET read_seq = GREATEST(read_watermarks.read_seq, EXCLUDED.read_seq)").await?,
            &[&owner.as_uuid(), &conversation.as_uuid(), &seq],
        )
        .await?;
    Ok(())
}
