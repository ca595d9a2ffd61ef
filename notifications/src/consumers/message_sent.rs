//! `message.sent` → a notification for the receiver, stored once and pushed live.

use std::time::Duration;

use shared::amqp::{HandleError, Handler};
use shared::events::{ChatMessage, Envelope, MessageSent};

use super::ConsumerContext;
use crate::domain::NewNotification;
use crate::error::NotificationsError;
use crate::live::NotificationCreated;
use crate::repository::{notifications, read_watermarks};

/// How long a live push may wait for the broker before the event is retried.
const PUSH_DEADLINE: Duration = Duration::from_secs(5);

/// Stores the receiver's notification and pushes it to their sockets.
pub struct MessageSentHandler(pub ConsumerContext);

impl Handler<MessageSent> for MessageSentHandler {
    #[tracing::instrument(
        name = "message_sent",
        skip_all,
        fields(
            event_id = %envelope.id,
            message_id = %envelope.data.message.id,
            receiver = %envelope.data.message.receiver_id
        )
    )]
    async fn handle(&self, envelope: Envelope<MessageSent>) -> Result<(), HandleError> {
        Ok(notify(&self.0, &envelope.data.message).await?)
    }
}

/// In one transaction: lock the receiver's read watermark of the conversation, store the
/// notification (already read if the watermark is past it), push it if it is new and unread,
/// commit. The push comes before the commit so that a push the broker did not confirm rolls
/// the store back and the redelivered event tries both again; if instead the commit fails after
/// a push, the retry pushes a second notification of the same message.
async fn notify(
    context: &ConsumerContext,
    message: &ChatMessage,
) -> Result<(), NotificationsError> {
    let Some(new) = NewNotification::for_receiver(message) else {
        tracing::debug!("a message to oneself; nothing to notify");
        return Ok(());
    };
    let mut client = context.db.get().await?;
    let transaction = client.transaction().await?;
    let read_up_to = read_watermarks::lock(&transaction, new.owner, new.conversation_id).await?;
    let Some(stored) = notifications::insert(&transaction, &new, new.seq <= read_up_to).await?
    else {
        tracing::debug!("already notified");
        return Ok(());
    };
    if stored.read_at.is_none() {
        let delivery = NotificationCreated {
            user_id: new.owner,
            notification: stored,
        };
        context.delivery.publish(&delivery, PUSH_DEADLINE).await?;
    } else {
        tracing::debug!("the conversation was already read past this message");
    }
    transaction.commit().await?;
    Ok(())
}
