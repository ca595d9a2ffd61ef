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

use std::collections::HashMap;
use std::time::Duration;

use deadpool_postgres::Client;
use shared::amqp::HandleError;
use shared::db::PipelinedTransaction;
use shared::events::{ChatMessage, Envelope, MessageKind, MessageSent, SystemEvent};
use shared::ids::{ConversationId, MessageId, UserId};
use tracing::Instrument;

use super::ConsumerContext;
use crate::domain::NewNotification;
use crate::error::NotificationsError;
use crate::live::NotificationCreated;
use crate::push::job::PushJob;
use crate::repository::{fates, groups, mutes, notifications};

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

/// In one transaction: store each message's notifications (already read where the owner's
/// read watermark of the conversation is past it; see [`notifications::insert_many`]), learn
/// from system messages; then, for the new unread ones whose conversation is not muted, write a
/// Web Push job to the outbox (when the owner has a subscription: see [`crate::push`]), push
/// them live, and commit. The live pushes come before the commit so that a push the broker did
/// not confirm rolls the store back and the redelivered event tries both again; if instead the
/// commit fails after a push, the retry pushes a second notification of the same message. Web
/// Push jobs, in the outbox, exist exactly when their notification does.
async fn notify(
    context: &ConsumerContext,
    messages: &[&ChatMessage],
) -> Result<(), NotificationsError> {
    // BEGIN shares a round trip with the first statement (see `PipelinedTransaction`).
    let (transaction, ()) = PipelinedTransaction::new(context.db.get().await?)
        .begin_with(async |client| store_and_push(context, client, messages).await)
        .await?;
    transaction.commit().await?;
    Ok(())
}

/// [`notify`]'s statements and live pushes, inside its transaction.
async fn store_and_push(
    context: &ConsumerContext,
    transaction: &Client,
    messages: &[&ChatMessage],
) -> Result<(), NotificationsError> {
    let ids: Vec<MessageId> = messages.iter().map(|m| m.id).collect();
    let fates = fates::of(transaction, &ids).await?;
    let mut pushes = Vec::new();
    // The notifications of the user messages since the last system message, stored together.
    let mut unstored = Vec::new();
    // Groups' members, read once per batch until a system message changes them.
    let mut members: HashMap<ConversationId, Vec<UserId>> = HashMap::new();
    for message in messages {
        if message.kind == MessageKind::System {
            // A removal takes the notifications stored before it with it.
            pushes.extend(store(transaction, &mut unstored).await?);
            learn(transaction, message).await?;
            members.remove(&message.conversation_id);
            continue;
        }
        let fate = fates.get(&message.id).cloned().unwrap_or_default();
        if fate.deleted {
            continue;
        }
        for owner in recipients(transaction, message, &mut members).await? {
            let Some(mut new) = NewNotification::of(message, owner) else {
                continue;
            };
            if let Some(preview) = &fate.preview {
                new.preview.clone_from(preview);
            }
            unstored.push(new);
        }
    }
    pushes.extend(store(transaction, &mut unstored).await?);
    let targets: Vec<_> = pushes
        .iter()
        .map(|push| (push.user_id, push.notification.conversation_id))
        .collect();
    let reach = mutes::reach(transaction, &targets).await?;
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
            .enqueue(transaction)
            .await?;
        }
        live.push(push);
    }
    context.delivery.publish_all(&live, PUSH_DEADLINE).await?;
    Ok(())
}

/// Who a user's message notifies: its receiver, or its group's members as of its seq (the
/// batch's system messages before it included).
async fn recipients(
    transaction: &Client,
    message: &ChatMessage,
    members: &mut HashMap<ConversationId, Vec<UserId>>,
) -> Result<Vec<UserId>, NotificationsError> {
    if let Some(receiver) = message.receiver_id {
        return Ok(vec![receiver]);
    }
    if let Some(known) = members.get(&message.conversation_id) {
        return Ok(known.clone());
    }
    let read = groups::members(transaction, message.conversation_id).await?;
    members.insert(message.conversation_id, read.clone());
    Ok(read)
}

/// What a group's system message teaches: who joined or left (leaving takes one's
/// notifications of the group), and its name.
async fn learn(transaction: &Client, message: &ChatMessage) -> Result<(), NotificationsError> {
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

/// Stores `unstored` (and empties it); what to push: the new notifications not already read.
async fn store(
    transaction: &Client,
    unstored: &mut Vec<NewNotification>,
) -> Result<Vec<NotificationCreated>, NotificationsError> {
    let new = std::mem::take(unstored);
    let stored = notifications::insert_many(transaction, &new).await?;
    if stored.len() < new.len() {
        tracing::debug!(
            skipped = new.len() - stored.len(),
            "already notified of some messages"
        );
    }
    Ok(stored
        .into_iter()
        .filter(|(_, notification)| notification.read_at.is_none())
        .map(|(at, notification)| NotificationCreated {
            user_id: new[at].owner,
            notification,
        })
        .collect())
}
