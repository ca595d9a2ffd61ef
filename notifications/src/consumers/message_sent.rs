//! `message.sent` → a notification for the receiver of a direct message, or for every member of
//! a group but the sender, stored once, pushed live and through Web Push unless its conversation
//! is muted. A group's members and name are learned from its system messages, which come in
//! this same stream in `seq` order with the messages; leaving or being removed takes the user's
//! notifications of the group with it. A message deleted (or edited) before its `message.sent`
//! arrives notifies nobody (or shows its new text): see [`crate::repository::fates`].
//!
//! Events are taken in batches (whatever the queue already holds): one transaction, one confirm
//! window for the pushes and one commit for the lot, instead of an fsync per message. If
//! anything in a batch fails, it is rolled back and its events are handled one by one, so each
//! gets its own outcome.

use std::time::Duration;

use deadpool_postgres::Transaction;
use shared::amqp::HandleError;
use shared::events::{ChatMessage, Envelope, MessageKind, MessageSent, SystemEvent};
use shared::ids::{MessageId, UserId};
use tracing::Instrument;

use super::ConsumerContext;
use crate::domain::NewNotification;
use crate::error::NotificationsError;
use crate::live::NotificationCreated;
use crate::push::job::PushJob;
use crate::repository::{fates, groups, mutes, notifications, read_watermarks};

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
    let ids: Vec<MessageId> = messages.iter().map(|m| m.id).collect();
    let fates = fates::of(&transaction, &ids).await?;
    let mut pushes = Vec::new();
    for message in messages {
        if message.kind == MessageKind::System {
            learn(&transaction, message).await?;
            continue;
        }
        let fate = fates.get(&message.id).cloned().unwrap_or_default();
        if fate.deleted {
            continue;
        }
        for owner in recipients(&transaction, message).await? {
            let Some(mut new) = NewNotification::of(message, owner) else {
                continue;
            };
            if let Some(preview) = &fate.preview {
                new.preview.clone_from(preview);
            }
            if let Some(push) = store(&transaction, &new).await? {
                pushes.push(push);
            }
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

/// Who a user's message notifies: its receiver, or its group's members as of its seq.
async fn recipients(
    transaction: &Transaction<'_>,
    message: &ChatMessage,
) -> Result<Vec<UserId>, NotificationsError> {
    match message.receiver_id {
        Some(receiver) => Ok(vec![receiver]),
        None => groups::members(transaction, message.conversation_id).await,
    }
}

/// What a group's system message teaches: who joined or left (leaving takes one's
/// notifications of the group), and its name.
async fn learn(
    transaction: &Transaction<'_>,
    message: &ChatMessage,
) -> Result<(), NotificationsError> {
    let Some(system) = &message.system else {
        return Ok(());
    };
    let conversation = message.conversation_id;
    if let Some(name) = &system.name {
        groups::name(transaction, conversation, name, message.seq).await?;
    }
    match system.event {
        SystemEvent::Created | SystemEvent::MemberAdded => {
            groups::set_members(
                transaction,
                conversation,
                &system.user_ids,
                true,
                message.seq,
            )
            .await?;
        }
        SystemEvent::MemberRemoved | SystemEvent::MemberLeft => {
            let gone = groups::set_members(
                transaction,
                conversation,
                &system.user_ids,
                false,
                message.seq,
            )
            .await?;
            for user in gone {
                notifications::delete_of_conversation(transaction, user, conversation).await?;
            }
        }
        SystemEvent::Renamed | SystemEvent::TopicChanged | SystemEvent::RoleChanged => {}
    }
    Ok(())
}

/// Stores one notification; what to push, if anything.
async fn store(
    transaction: &Transaction<'_>,
    new: &NewNotification,
) -> Result<Option<NotificationCreated>, NotificationsError> {
    let read_up_to = read_watermarks::lock(transaction, new.owner, new.conversation_id).await?;
    let Some(stored) = notifications::insert(transaction, new, new.seq <= read_up_to).await? else {
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
