//! RabbitMQ, done so that nothing is lost and nothing is processed twice.
//!
//! - [`AmqpClient`] keeps one connection per process alive: it connects with backoff, declares
//!   the exchanges on every (re)connect, and notices when the broker goes away.
//! - [`Topology`] names every exchange and queue and declares them: the two public durable topic
//!   exchanges, one durable quorum queue per consuming service and event, and a dead-letter
//!   exchange with one dead-letter queue per service.
//! - [`Publisher`] sends persistent messages with publisher confirms and retries until the
//!   broker has confirmed each one (or a deadline passes, which the caller turns into 503).
//! - [`consume`] runs a consumer: manual acks after the handler succeeded, a prefetch limit,
//!   bounded redeliveries counted by the broker, then the dead-letter queue; it resubscribes
//!   by itself after an outage. [`consume_batched`] and [`consume_concurrently`] do the same
//!   for a batch at a time, or for up to the prefetch at once, each on its own task.

pub mod addressed;
mod client;
mod consumer;
mod publisher;
mod topology;

pub use client::AmqpClient;
pub use consumer::{
    ConsumerSpec, HandleError, Handler, consume, consume_batched, consume_concurrently,
    consume_decoded,
};
pub use publisher::{Outgoing, PublishError, Publisher};
pub use topology::{
    CHAT_DELIVERY_EXCHANGE, COMMANDS_QUEUE_BOUND, DELIVERY_LIMIT, NOTIFICATIONS_DELIVERY_EXCHANGE,
    PUSH_ROUTING_KEY, QueueBound, QueueSpec, SUBSCRIPTIONS, Topology,
};

#[cfg(feature = "testing")]
pub(crate) use topology::{Kind, take_declared};
