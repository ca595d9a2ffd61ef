//! One exclusive queue per node, for what must reach the node that holds a socket: a session's
//! sign-out (closing its sockets), presence and sign-ups (fanned out to every socket), and
//! deliveries addressed to the users connected here.
//!
//! The queue lives as long as the node's broker connection; while that is down, nothing can be
//! delivered to this node's sockets anyway, and clients catch up from history by `seq`. On
//! reconnect the queue is declared again with every binding, static and dynamic.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use lapin::Channel;
use lapin::options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use tokio_util::sync::CancellationToken;

use crate::amqp::{AmqpClient, HandleError, Handler};
use crate::events::{self, Event};

/// An exchange and a routing key bound to the inbox.
type Binding = (String, String);
/// The lock that orders the changes of one binding.
type Turn = Arc<tokio::sync::Mutex<()>>;

type RawHandler = Arc<dyn Fn(Vec<u8>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// A node's own queue and what it does with each message type. Cheap to clone.
#[derive(Clone)]
pub struct NodeInbox {
    inner: Arc<Inner>,
}

struct Inner {
    client: AmqpClient,
    queue: String,
    bindings: Mutex<BTreeSet<(String, String)>>,
    /// One lock per binding being changed: changes of one binding apply in the order asked
    /// for, while different bindings' broker round trips overlap (a connect wave binds many).
    changing: Mutex<HashMap<Binding, Turn>>,
    live: tokio::sync::Mutex<Option<Channel>>,
    handlers: HashMap<String, RawHandler>,
}

/// Builds a [`NodeInbox`].
pub struct NodeInboxBuilder {
    client: AmqpClient,
    queue: String,
    bindings: BTreeSet<(String, String)>,
    handlers: HashMap<String, RawHandler>,
}

impl NodeInbox {
    /// The inbox of `node_id` in `service`.
    pub fn builder(client: AmqpClient, service: &str, node_id: &str) -> NodeInboxBuilder {
        let queue = client
            .topology()
            .named(&format!("{service}.node.{node_id}"));
        NodeInboxBuilder {
            client,
            queue,
            bindings: BTreeSet::new(),
            handlers: HashMap::new(),
        }
    }

    /// The queue's name.
    pub fn queue(&self) -> &str {
        &self.inner.queue
    }

    fn lock_bindings(&self) -> std::sync::MutexGuard<'_, BTreeSet<(String, String)>> {
        self.inner
            .bindings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts receiving what `exchange` routes with `key` (kept across reconnects).
    pub async fn bind(&self, exchange: &str, key: &str) {
        let binding = (exchange.to_owned(), key.to_owned());
        let turn = self.turn(&binding);
        let _turn = turn.lock().await;
        self.lock_bindings().insert(binding.clone());
        // The set is updated before the channel is read: a reconnect in between re-binds from
        // the set (it holds `live` while it does), so nothing is lost either way.
        let channel = self.inner.live.lock().await.clone();
        if let Some(channel) = channel
            && let Err(e) = bind(&channel, &self.inner.queue, exchange, key).await
        {
            tracing::warn!(error = %e, key, "binding failed; it is redone on reconnect");
        }
        self.done(&binding, &turn);
    }

    /// Stops receiving what `exchange` routes with `key`.
    pub async fn unbind(&self, exchange: &str, key: &str) {
        let binding = (exchange.to_owned(), key.to_owned());
        let turn = self.turn(&binding);
        let _turn = turn.lock().await;
        self.lock_bindings().remove(&binding);
        let channel = self.inner.live.lock().await.clone();
        if let Some(channel) = channel {
            let result = channel
                .queue_unbind(
                    self.inner.queue.clone().into(),
                    exchange.into(),
                    key.into(),
                    FieldTable::default(),
                )
                .await;
            if let Err(e) = result {
                tracing::debug!(error = %e, key, "unbinding failed");
            }
        }
        self.done(&binding, &turn);
    }

    /// The lock that orders changes of `binding`.
    fn turn(&self, binding: &Binding) -> Turn {
        self.inner
            .changing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(binding.clone())
            .or_default()
            .clone()
    }

    /// Forgets `binding`'s lock unless another change is already waiting on it (clones are only
    /// taken under the map's lock, so none can appear after this check).
    fn done(&self, binding: &Binding, turn: &Turn) {
        let mut changing = self
            .inner
            .changing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if Arc::strong_count(turn) == 2 {
            changing.remove(binding);
        }
    }

    /// Consumes until `shutdown`, re-declaring the queue after every reconnect. `ready` is
    /// cancelled each time the queue is bound and consuming (tests wait on it).
    pub async fn run(self, shutdown: CancellationToken, ready: CancellationToken) {
        while !shutdown.is_cancelled() {
            let subscribed = tokio::select! {
                () = shutdown.cancelled() => return,
                subscribed = self.subscribe() => subscribed,
            };
            let mut consumer = match subscribed {
                Ok(consumer) => consumer,
                Err(e) => {
                    tracing::warn!(queue = %self.inner.queue, error = %e, "node inbox unavailable, retrying");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(Duration::from_millis(500)) => continue,
                    }
                }
            };
            ready.cancel();
            loop {
                let next = tokio::select! {
                    () = shutdown.cancelled() => return,
                    next = consumer.next() => next,
                };
                let Some(Ok(delivery)) = next else {
                    break;
                };
                let kind = delivery
                    .properties
                    .kind()
                    .as_ref()
                    .map(|k| k.as_str().to_owned());
                let traced = crate::telemetry::hop_enabled()
                    .then(|| {
                        delivery
                            .properties
                            .message_id()
                            .as_ref()
                            .map(|id| id.to_string())
                    })
                    .flatten();
                if let Some(id) = &traced {
                    crate::telemetry::hop("inbox", id);
                }
                match kind.and_then(|k| self.inner.handlers.get(&k).cloned()) {
                    Some(handler) => {
                        handler(delivery.data).await;
                        if let Some(id) = &traced {
                            crate::telemetry::hop("routed", id);
                        }
                    }
                    None => {
                        tracing::warn!(queue = %self.inner.queue, "node inbox got a message of no known type")
                    }
                }
            }
            *self.inner.live.lock().await = None;
            tracing::warn!(queue = %self.inner.queue, "node inbox interrupted, resubscribing");
        }
    }

    async fn subscribe(&self) -> lapin::Result<lapin::Consumer> {
        let channel = self.inner.client.channel(Duration::from_secs(30)).await?;
        let mut live = self.inner.live.lock().await;
        channel
            .queue_declare(
                self.inner.queue.clone().into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        let bindings: Vec<_> = self.lock_bindings().iter().cloned().collect();
        for (exchange, key) in bindings {
            bind(&channel, &self.inner.queue, &exchange, &key).await?;
        }
        let consumer = channel
            .basic_consume(
                self.inner.queue.clone().into(),
                "".into(),
                // Acknowledging is pointless here: the queue dies with the connection.
                BasicConsumeOptions {
                    no_ack: true,
                    exclusive: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        *live = Some(channel);
        Ok(consumer)
    }
}

async fn bind(channel: &Channel, queue: &str, exchange: &str, key: &str) -> lapin::Result<()> {
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            key.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
}

impl NodeInboxBuilder {
    /// Receives public event `E` and hands it to `handler` (whose errors are only logged: what a
    /// node does with these is in memory and cannot usefully be retried).
    pub fn on_event<E: Event, H: Handler<E>>(mut self, handler: Arc<H>) -> Self {
        let exchange = self.client.topology().exchange(E::EXCHANGE);
        self.bindings.insert((exchange, E::ROUTING_KEY.to_owned()));
        let raw: RawHandler = Arc::new(move |payload: Vec<u8>| {
            let handler = handler.clone();
            Box::pin(async move {
                match events::decode::<E>(&payload) {
                    Ok(envelope) => {
                        if let Err(e) = handler.handle(envelope).await {
                            let message = match e {
                                HandleError::Transient(e) | HandleError::Permanent(e) => e,
                            };
                            tracing::warn!(error = %format!("{message:#}"), kind = E::ROUTING_KEY, "node event not handled");
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, kind = E::ROUTING_KEY, "undecodable node event")
                    }
                }
            })
        });
        self.handlers.insert(E::ROUTING_KEY.to_owned(), raw);
        self
    }

    /// Always receives what `exchange` routes with `key`.
    pub fn bind(mut self, exchange: &str, key: &str) -> Self {
        self.bindings.insert((exchange.to_owned(), key.to_owned()));
        self
    }

    /// Receives messages whose AMQP `type` is `kind` (bindings added with [`Self::bind`] or,
    /// while running, [`NodeInbox::bind`]).
    pub fn on_raw<F, Fut>(mut self, kind: &str, handler: F) -> Self
    where
        F: Fn(Vec<u8>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let raw: RawHandler = Arc::new(move |payload| Box::pin(handler(payload)));
        self.handlers.insert(kind.to_owned(), raw);
        self
    }

    /// The inbox; run it with [`NodeInbox::run`].
    pub fn build(self) -> NodeInbox {
        NodeInbox {
            inner: Arc::new(Inner {
                client: self.client,
                queue: self.queue,
                bindings: Mutex::new(self.bindings),
                changing: Mutex::default(),
                live: tokio::sync::Mutex::new(None),
                handlers: self.handlers,
            }),
        }
    }
}
