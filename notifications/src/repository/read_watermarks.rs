//! The `read_watermarks` table: how far each reader has read each conversation.
//!
//! Moving it locks the `(owner, conversation)` row until the caller's transaction ends, as
//! storing a notification does ([`super::notifications::insert_many`]), so a `message.read` and
//! a `message.sent` of the same conversation and reader take turns: the one that comes second
//! always sees what the first did.

use deadpool_postgres::GenericClient;
use shared::ids::{ConversationId, UserId};

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
