//! `message.read` → the reader's notifications of that conversation, up to that seq, are read.

use shared::amqp::{HandleError, Handler};
use shared::events::{Envelope, MessageRead};

use super::ConsumerContext;
use crate::error::NotificationsError;
use crate::repository::{notifications, read_watermarks};

/// Marks what a reader has read.
pub struct MessageReadHandler(pub ConsumerContext);

impl Handler<MessageRead> for MessageReadHandler {
    async fn handle(&self, envelope: Envelope<MessageRead>) -> Result<(), HandleError> {
        Ok(mark_read(&self.0, &envelope.data).await?)
    }
}

/// Moves the watermark forward (so a `message.sent` of this range still on its way is stored
/// read) and marks the unread notifications up to it, in one transaction.
async fn mark_read(
    context: &ConsumerContext,
    read: &MessageRead,
) -> Result<(), NotificationsError> {
    let mut client = context.db.get().await?;
    let transaction = client.transaction().await?;
    read_watermarks::advance(&transaction, read.reader_id, read.conversation_id, read.seq).await?;
    let marked = notifications::mark_conversation_read_up_to(
        &transaction,
        read.reader_id,
        read.conversation_id,
        read.seq,
    )
    .await?;
    transaction.commit().await?;
    tracing::debug!(marked, "conversation read");
    Ok(())
}
