//! `message.sent` → a notification for the receiver, stored once, pushed live and through Web
//! Push unless its conversation is muted.
//!
//! Events are taken in batches (whatever the queue already holds): one transaction, one confirm
//! window for the pushes and one commit for the lot, instead of an fsync per message. If
//! anything in a batch fails, it is rolled back and its events are handled one by one, so each
//! gets its own outcome.

use std::time::Duration;

use deadpool_postgres::Transaction;
use shared::amqp::HandleError;
use shared::events::{ChatMessage, Envelope, MessageSent};
use tracing::Instrument;

use super::ConsumerContext;
use crate::domain::NewNotification;
use crate::error::NotificationsError;
use crate::live::NotificationCreated;
use crate::push::job::PushJob;
use crate::repository::{mutes, notifications, read_watermarks};

/// How long a live push may wait for the broker before the event is retried.
const PUSH_DEADLINE: Duration = Duration::from_secs(5);

/// Handles a batch of `message.sent` events, in order; one outcome per event.
pub async fn handle_batch(
    context: &ConsumerContext,
    batch: Vec<Envelope<MessageSent>>,
) -> Vec<Result<(), HandleError>> {
    let messages: Vec<&ChatMessage> = batch.iter().map(|e| &e.data.message).collect();
    if messages.len() > 1 {
        match notify(context, &messages).await {
            Ok(()) => return batch.iter().map(|_| Ok(())).collect(),
            Err(e) => {
                tracing::warn!(count = messages.len(), error = %e, "a batch failed; handling its events one by one");
            }
        }
    }
    let mut outcomes = Vec::with_capacity(messages.len());
    for (envelope, message) in batch.iter().zip(&messages) {
        let span =
            tracing::info_span!("message_sent", event_id = %envelope.id, message_id = %message.id);
        outcomes.push(
            notify(context, std::slice::from_ref(message))
                .instrument(span)
                .await
                .map_err(HandleError::from),
        );
    }
    outcomes
}

/// In one transaction, for each message: lock the receiver's read watermark of the
/// conversation, store the notification (already read if the watermark is past it); then, for
/// the new unread ones whose conversation is not muted, write a Web Push job to the outbox
/// (when the owner has a subscription: see [`crate::push`]), push them live, and commit. The
/// live pushes come before the commit so that a push the broker did not confirm rolls the store
/// back and the redelivered event tries both again; if instead the commit fails after a push,
/// the retry pushes a second notification of the same message. Web Push jobs, in the outbox,
/// exist exactly when their notification does.
async fn notify(
    context: &ConsumerContext,
    messages: &[&ChatMessage],
) -> Result<(), NotificationsError> {
    let mut client = context.db.get().await?;
    let transaction = client.transaction().await?;
    let mut pushes = Vec::new();
    for message in messages {
        if let Some(push) = store(&transaction, message).await? {
            pushes.push(push);
        }
    }
    let targets: Vec<_> = pushes
        .iter()
        .map(|push| (push.user_id, push.notification.conversation_id))
        .collect();
    let reach = mutes::reach(&transaction, &targets).await?;
    let mut live = Vec::with_capacity(pushes.len());
    for (push, reach) in pushes.into_iter().zip(reach) {
        if reach.muted {
            tracing::debug!(notification = %push.notification.id, "muted; stored only");
            continue;
        }
        if reach.subscribed {
            PushJob {
                notification_id: push.notification.id,
            }
            .enqueue(&transaction)
            .await?;
        }
        live.push(push);
    }
    context.delivery.publish_all(&live, PUSH_DEADLINE).await?;
    transaction.commit().await?;
    Ok(())
}

/// Stores one message's notification; what to push, if anything.
async fn store(
    transaction: &Transaction<'_>,
    message: &ChatMessage,
) -> Result<Option<NotificationCreated>, NotificationsError> {
    let Some(new) = NewNotification::for_receiver(message) else {
        tracing::debug!("a message to oneself; nothing to notify");
        return Ok(None);
    };
    let read_up_to = read_watermarks::lock(transaction, new.owner, new.conversation_id).await?;
    let Some(stored) = notifications::insert(transaction, &new, new.seq <= read_up_to).await?
    else {
        tracing::debug!("already notified");
        return Ok(None);
    };
    if stored.read_at.is_some() {
        tracing::debug!("the conversation was already read past this message");
        return Ok(None);
    }
    Ok(Some(NotificationCreated {
        user_id: new.owner,
        notification: stored,
    }))
}
