//! `message.deleted` → the message's notifications disappear (from every list and badge). The
//! deletion is also noted (see [`crate::repository::fates`]) so that a `message.sent` still on
//! its way notifies nobody.

use shared::amqp::{HandleError, Handler};
use shared::events::{Envelope, MessageDeleted};

use super::ConsumerContext;
use crate::error::NotificationsError;
use crate::repository::{fates, notifications};

/// Forgets a deleted message's notifications. Idempotent.
pub struct MessageDeletedHandler(pub ConsumerContext);

impl Handler<MessageDeleted> for MessageDeletedHandler {
    async fn handle(&self, envelope: Envelope<MessageDeleted>) -> Result<(), HandleError> {
        Ok(forget(&self.0, &envelope.data).await?)
    }
}

async fn forget(
    context: &ConsumerContext,
    deleted: &MessageDeleted,
) -> Result<(), NotificationsError> {
    let mut client = context.db.get().await?;
    let transaction = client.transaction().await?;
    fates::deleted(&transaction, deleted.message_id).await?;
    let gone = notifications::delete_of_message(&transaction, deleted.message_id).await?;
    transaction.commit().await?;
    tracing::debug!(gone, "notifications of a deleted message removed");
    Ok(())
}
