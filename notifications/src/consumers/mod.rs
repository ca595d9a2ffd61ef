//! What notifications does with events, one file per event.
//!
//! Two kinds of consumers:
//! - Durable ones ([`start`]), each on its own quorum queue `notifications.<routing key>`,
//!   `message.sent` in batches (see its file), the others one delivery at a time:
//!   `message.sent` stores a notification, pushes it live and queues its Web Push,
//!   `message.read` marks a conversation's notifications read up to a seq, `user.registered`
//!   records the username that labels a sender, `user.signed.out` deletes the ended session's
//!   push subscriptions. Each is idempotent by its effect, so a redelivered or duplicated event
//!   changes nothing (the `processed_events` inbox is not needed for these): a message has at
//!   most one notification per owner (a unique key), a read watermark only moves forward and
//!   only unread notifications are marked, a username is an upsert, and deleting what is
//!   already deleted deletes nothing. Database and broker failures are retried, then
//!   dead-lettered. (The push queue's consumer is in [`crate::push`].)
//! - Node-inbox ones, registered in `startup` on this node's own queue, so every node sees
//!   each: presence changes, sign-ups and sign-outs for this node's sockets, and
//!   `notification.created` deliveries for the users connected here.

pub mod message_deleted;
pub mod message_edited;
pub mod message_read;
pub mod message_sent;
pub mod notification_created;
pub mod presence_changed;
pub mod user_registered;
pub mod user_signed_out;

use deadpool_postgres::Pool;
use shared::events::MessageSent;
use std::time::Duration;

use shared::service::ServiceInfra;

use crate::repository::fates;

use crate::live::DeliveryPublisher;

/// What every durable handler works with.
#[derive(Clone)]
pub struct ConsumerContext {
    /// Where notifications are stored, over connections that plan each statement once and find
    /// rows by key ([`shared::db::keyed_pool`]): every statement of a consumer is a lookup by key.
    pub db: Pool,
    /// Pushes a new notification to its owner's sockets.
    pub delivery: DeliveryPublisher,
}

/// How long a batch of `message.sent` gathers after its first event. A notification is read
/// from a list or a push, where ten milliseconds do not show, while every batch costs a
/// transaction, a publish of its live notifications and an ack. At 500 messages a second that
/// halved notifications' CPU per message (docs/profiling.md, "Planned once, gathered, sent at
/// once").
const GATHER: Duration = Duration::from_millis(10);

/// Starts one background consumer per durable event, stopped by the service's shutdown token.
pub fn start(infra: &ServiceInfra, context: &ConsumerContext) {
    let batch_context = context.clone();
    infra.consume_batched::<MessageSent, _, _>(GATHER, move |batch| {
        let context = batch_context.clone();
        async move { message_sent::handle_batch(&context, batch).await }
    });
    infra.consume(message_read::MessageReadHandler(context.clone()));
    infra.consume(message_edited::MessageEditedHandler(context.clone()));
    infra.consume(message_deleted::MessageDeletedHandler(context.clone()));
    let db = context.db.clone();
    infra.every(Duration::from_secs(3600), "message fates", move || {
        let db = db.clone();
        async move { Ok(fates::prune(&db.get().await?).await?) }
    });
    infra.consume(user_registered::UserRegisteredHandler(context.clone()));
    infra.consume(user_signed_out::SubscriptionsEnder(context.clone()));
}
