//! Every exchange and queue name, and their declarations.
//!
//! Public exchanges keep the contract's names; a namespace prefix (empty in deployments) lets
//! parallel tests share one broker without seeing each other's traffic.

use std::sync::Arc;

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ExchangeKind};

use crate::events::Exchange;

/// The public name of the internal chat delivery exchange (see [`Topology::chat_delivery_exchange`]).
pub const CHAT_DELIVERY_EXCHANGE: &str = "ChatDeliveryExchange";

/// The public name of notifications' internal delivery exchange, which carries new
/// notifications to the nodes holding their owners' sockets.
pub const NOTIFICATIONS_DELIVERY_EXCHANGE: &str = "NotificationsDeliveryExchange";

/// The routing key on [`NOTIFICATIONS_DELIVERY_EXCHANGE`] of notifications' Web Push jobs (see
/// [`Topology::push_queue`]); live deliveries there are routed by user id, never by this.
pub const PUSH_ROUTING_KEY: &str = "push";

/// Every durable subscription of the system: which service consumes which public event. Each
/// service declares all of them on connect, so an event published before its consumer ever
/// started (on a first deployment, say) waits in its queue instead of being dropped. This is
/// also the consumer half of the event catalogue (`docs/events.md`).
pub const SUBSCRIPTIONS: &[(&str, Exchange, &str)] = &[
    ("users", Exchange::UserEvents, "user.registered"),
    ("users", Exchange::UserEvents, "user.online"),
    ("users", Exchange::UserEvents, "user.offline"),
    ("messages", Exchange::UserEvents, "user.registered"),
    ("notifications", Exchange::UserEvents, "user.registered"),
    ("notifications", Exchange::MessageEvents, "message.sent"),
    ("notifications", Exchange::MessageEvents, "message.read"),
    ("notifications", Exchange::MessageEvents, "message.edited"),
    ("notifications", Exchange::MessageEvents, "message.deleted"),
    ("notifications", Exchange::UserEvents, "user.signed.out"),
];

/// How many times the broker delivers a message whose handler keeps failing before it moves the
/// message to the dead-letter queue.
pub const DELIVERY_LIMIT: i64 = 5;

/// A queue to declare and bind.
#[derive(Clone, Debug)]
pub struct QueueSpec {
    /// Full name (namespace included).
    pub name: String,
    /// `(exchange, routing key pattern)` pairs.
    pub bindings: Vec<(String, String)>,
    /// The service whose dead-letter queue catches what this queue gives up on.
    pub dead_letter_service: &'static str,
    /// Only one consumer at a time receives (the others stand by), which keeps strict order
    /// while still failing over to another replica.
    pub single_active_consumer: bool,
    /// The most the queue holds; beyond it the broker refuses publishes (`reject-publish`), so
    /// the publisher learns at once instead of the queue growing while its consumer is away.
    pub bound: Option<QueueBound>,
    /// Where it keeps what it holds.
    pub keeping: Keeping,
}

/// Where a queue keeps its messages, which decides how soon the broker confirms and delivers one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keeping {
    /// A durable quorum queue: a message is on disk (on a majority of a cluster's nodes) before
    /// it is confirmed or delivered, and the broker counts deliveries, so a message whose
    /// handler keeps failing reaches the dead-letter queue after [`DELIVERY_LIMIT`].
    Disk,
    /// A classic queue that is not durable: a message is confirmed and delivered as soon as the
    /// broker has it, in memory, and is lost if the broker stops (the queue too; whoever
    /// declares it next recreates it). Only for what its senders send again until it is
    /// answered. No delivery limit: a message that keeps failing for a passing reason keeps
    /// being retried; one that cannot succeed is dead-lettered by its consumer.
    Memory,
}

/// How much a queue may hold: messages and bytes of their bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueBound {
    /// Messages.
    pub messages: i64,
    /// Bytes of message bodies.
    pub bytes: i64,
}

/// Each commands queue's bound. Each message is one socket node's batch of up to 512 commands
/// (a few hundred bytes each): the bytes are the real limit, about 200,000 commands, a minute of
/// a busy deployment's traffic waiting for messages to come back; beyond it senders are told
/// `unavailable` at once and resend later.
pub const COMMANDS_QUEUE_BOUND: QueueBound = QueueBound {
    messages: 100_000,
    bytes: 64 << 20,
};

/// Names and declarations of this deployment's (or this test's) broker objects.
#[derive(Clone, Debug)]
pub struct Topology {
    namespace: Arc<str>,
}

impl Topology {
    /// Under `namespace`, which is empty outside tests.
    pub fn new(namespace: &str) -> Self {
        Self {
            namespace: namespace.into(),
        }
    }

    /// The prefix of every name.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The full name of a public exchange.
    pub fn exchange(&self, exchange: Exchange) -> String {
        self.named(exchange.name())
    }

    /// The full name of an exchange given by its public name (as the outbox stores it).
    pub fn named(&self, name: &str) -> String {
        format!("{}{name}", self.namespace)
    }

    /// Where queues send what they give up on.
    pub fn dead_letter_exchange(&self) -> String {
        self.named("DeadLetterExchange")
    }

    /// The dead-letter queue of one service.
    pub fn dead_letter_queue(&self, service: &str) -> String {
        self.named(&format!("{service}.dead-letter"))
    }

    /// The durable queue through which `service` consumes events with `routing_key`.
    pub fn event_queue(
        &self,
        service: &'static str,
        exchange: Exchange,
        routing_key: &str,
    ) -> QueueSpec {
        QueueSpec {
            name: self.named(&format!("{service}.{routing_key}")),
            bindings: vec![(self.exchange(exchange), routing_key.to_owned())],
            dead_letter_service: service,
            single_active_consumer: false,
            bound: None,
            keeping: Keeping::Disk,
        }
    }

    /// The internal topic exchange that carries stored messages, read receipts, typing and
    /// replies to the socket-handler nodes that hold the sockets concerned.
    pub fn chat_delivery_exchange(&self) -> String {
        self.named(CHAT_DELIVERY_EXCHANGE)
    }

    /// The internal queue of chat commands from socket-handler to messages, but for sends and
    /// typing (see [`Self::chat_sends_queue`]): read receipts, votes, edits, deletes, reactions.
    /// Published to through the default exchange; one active consumer at a time so that
    /// commands are applied in the order they were sent. On disk: nothing asks the client to
    /// send these again (a vote sent twice would withdraw itself).
    pub fn chat_commands_queue(&self) -> QueueSpec {
        QueueSpec {
            name: self.named("messages.chat.commands"),
            bindings: Vec::new(),
            dead_letter_service: "messages",
            single_active_consumer: true,
            bound: Some(COMMANDS_QUEUE_BOUND),
            keeping: Keeping::Disk,
        }
    }

    /// The internal queue of `message.send` and `typing` commands from socket-handler to
    /// messages, kept in memory ([`Keeping::Memory`]): a send is acknowledged to its client only
    /// once messages has stored it, and the client sends it again until then (the same
    /// `clientMsgId`, recognised), so the broker's disk adds nothing to its safety, only the
    /// wait for a write on the way (docs/profiling.md, "One message, hop by hop"); typing is
    /// never stored. Apart from the other commands, which nothing sends again: nothing a send
    /// is ordered against goes that way (a command about a message names one already stored).
    pub fn chat_sends_queue(&self) -> QueueSpec {
        QueueSpec {
            name: self.named("messages.chat.sends"),
            bindings: Vec::new(),
            dead_letter_service: "messages",
            single_active_consumer: true,
            bound: Some(COMMANDS_QUEUE_BOUND),
            keeping: Keeping::Memory,
        }
    }

    /// notifications' internal queue of Web Push jobs, written through its outbox and bound to
    /// its delivery exchange with [`PUSH_ROUTING_KEY`]: one job per new notification to push.
    pub fn push_queue(&self) -> QueueSpec {
        QueueSpec {
            name: self.named("notifications.push"),
            bindings: vec![(
                self.named(NOTIFICATIONS_DELIVERY_EXCHANGE),
                PUSH_ROUTING_KEY.to_owned(),
            )],
            dead_letter_service: "notifications",
            single_active_consumer: false,
            bound: None,
            keeping: Keeping::Disk,
        }
    }

    /// Declares both public exchanges, the dead-letter exchange and the internal delivery
    /// exchanges (idempotent). Run on every (re)connect, so they exist before anyone binds.
    pub async fn declare_exchanges(&self, channel: &Channel) -> lapin::Result<()> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        for exchange in Exchange::ALL {
            let name = self.exchange(exchange);
            record(Kind::Exchange, &name);
            channel
                .exchange_declare(
                    name.into(),
                    ExchangeKind::Topic,
                    durable,
                    FieldTable::default(),
                )
                .await?;
        }
        let internal = [
            self.dead_letter_exchange(),
            self.chat_delivery_exchange(),
            self.named(NOTIFICATIONS_DELIVERY_EXCHANGE),
        ];
        for name in internal {
            record(Kind::Exchange, &name);
            channel
                .exchange_declare(
                    name.into(),
                    ExchangeKind::Topic,
                    durable,
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(())
    }

    /// Declares every durable queue of [`SUBSCRIPTIONS`], the commands queues and the push queue,
    /// so that what is published before its consumer first starts is kept. Best effort: these are mostly
    /// other services' queues, so a failure (a queue left over with other arguments, say) is
    /// reported and does not stop this service; the consumer that owns the queue fails loudly.
    pub async fn declare_subscriptions(&self, connection: &lapin::Connection) {
        let specs = SUBSCRIPTIONS
            .iter()
            .map(|(service, exchange, key)| self.event_queue(service, *exchange, key))
            .chain([
                self.chat_commands_queue(),
                self.chat_sends_queue(),
                self.push_queue(),
            ]);
        let mut channel: Option<Channel> = None;
        for spec in specs {
            if channel.as_ref().is_none_or(|c| !c.status().connected()) {
                channel = connection.create_channel().await.ok();
            }
            let Some(open) = channel.as_ref() else {
                tracing::warn!("cannot open a channel to declare the subscription queues");
                return;
            };
            if let Err(e) = self.declare_queue(open, &spec).await {
                tracing::error!(
                    queue = %spec.name,
                    error = %e,
                    "cannot declare a subscription queue; if its arguments changed, delete the old queue"
                );
                // A failed declaration closes its channel.
                channel = None;
            }
        }
    }

    /// Declares `spec` with dead-lettering, plus its service's dead-letter queue, and binds them:
    /// kept on disk, a durable quorum queue with a delivery limit; kept in memory, a classic
    /// queue that is not durable (see [`Keeping`]).
    ///
    /// Quorum queues count deliveries themselves, so a message that crashes its consumer is
    /// counted too and cannot loop forever; `at-least-once` dead-lettering means a message on its
    /// way to the dead-letter queue is never dropped.
    pub async fn declare_queue(&self, channel: &Channel, spec: &QueueSpec) -> lapin::Result<()> {
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        let on_disk = spec.keeping == Keeping::Disk;
        let dlx = self.dead_letter_exchange();
        let dlq = self.dead_letter_queue(spec.dead_letter_service);
        record(Kind::Queue, &dlq);
        channel
            .queue_declare(dlq.clone().into(), durable, quorum_arguments())
            .await?;
        channel
            .queue_bind(
                dlq.into(),
                dlx.clone().into(),
                format!("{}.#", spec.dead_letter_service).into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;

        let mut arguments = if on_disk {
            let mut arguments = quorum_arguments();
            arguments.insert(
                "x-delivery-limit".into(),
                AMQPValue::LongLongInt(DELIVERY_LIMIT),
            );
            // A quorum queue's own; a classic queue dead-letters at most once.
            arguments.insert(
                "x-dead-letter-strategy".into(),
                AMQPValue::LongString("at-least-once".into()),
            );
            arguments
        } else {
            FieldTable::default()
        };
        arguments.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(dlx.into()),
        );
        arguments.insert(
            "x-dead-letter-routing-key".into(),
            AMQPValue::LongString(
                format!(
                    "{}.{}",
                    spec.dead_letter_service,
                    spec.name.trim_start_matches(&*self.namespace)
                )
                .into(),
            ),
        );
        arguments.insert(
            "x-overflow".into(),
            AMQPValue::LongString("reject-publish".into()),
        );
        if spec.single_active_consumer {
            arguments.insert("x-single-active-consumer".into(), AMQPValue::Boolean(true));
        }
        if let Some(bound) = spec.bound {
            arguments.insert(
                "x-max-length".into(),
                AMQPValue::LongLongInt(bound.messages),
            );
            arguments.insert(
                "x-max-length-bytes".into(),
                AMQPValue::LongLongInt(bound.bytes),
            );
        }
        record(Kind::Queue, &spec.name);
        let options = QueueDeclareOptions {
            durable: on_disk,
            ..QueueDeclareOptions::default()
        };
        channel
            .queue_declare(spec.name.clone().into(), options, arguments)
            .await?;
        for (exchange, pattern) in &spec.bindings {
            channel
                .queue_bind(
                    spec.name.clone().into(),
                    exchange.clone().into(),
                    pattern.clone().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(())
    }
}

fn quorum_arguments() -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    arguments
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Exchange,
    Queue,
}

/// Under the `testing` feature, every name declared in a namespace is remembered so that the
/// test harness can delete exactly what a test created. Otherwise this does nothing.
#[cfg(feature = "testing")]
fn record(kind: Kind, name: &str) {
    if let Ok(mut declared) = DECLARED.lock() {
        declared.insert((kind, name.to_owned()));
    }
}

#[cfg(not(feature = "testing"))]
fn record(_kind: Kind, _name: &str) {}

#[cfg(feature = "testing")]
static DECLARED: std::sync::Mutex<std::collections::BTreeSet<(Kind, String)>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// Removes and returns the names declared under `namespace`.
#[cfg(feature = "testing")]
pub(crate) fn take_declared(namespace: &str) -> Vec<(Kind, String)> {
    let Ok(mut declared) = DECLARED.lock() else {
        return Vec::new();
    };
    let mine: Vec<_> = declared
        .iter()
        .filter(|(_, name)| !namespace.is_empty() && name.starts_with(namespace))
        .cloned()
        .collect();
    for entry in &mine {
        declared.remove(entry);
    }
    mine
}
