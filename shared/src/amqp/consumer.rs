//! The consumer loop: decode, handle, then ack; retry what failed; dead-letter what cannot work.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions, BasicRejectOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{AmqpClient, QueueSpec};
use crate::events::{self, Envelope, Event};

/// How a handler failed.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// Might work later (a database outage): the message is redelivered, up to the limit.
    #[error("transient: {0:#}")]
    Transient(anyhow::Error),
    /// Will never work (a violated invariant): straight to the dead-letter queue.
    #[error("permanent: {0:#}")]
    Permanent(anyhow::Error),
}

impl HandleError {
    /// The one policy for every consumer: an error that retrying cannot cure is permanent
    /// (Postgres refusing the data itself: SQLSTATE class 22, data exception, or 23, integrity
    /// constraint violation), so it goes to the dead-letter queue at once; anything else (an
    /// outage, a timeout, a lost connection, a serialisation failure) is transient.
    pub fn classify(error: impl Into<anyhow::Error>) -> Self {
        let error: anyhow::Error = error.into();
        let permanent = error
            .chain()
            .filter_map(|cause| cause.downcast_ref::<tokio_postgres::Error>())
            .filter_map(tokio_postgres::Error::code)
            .any(|code| code.code().starts_with("22") || code.code().starts_with("23"));
        if permanent {
            Self::Permanent(error)
        } else {
            Self::Transient(error)
        }
    }
}

impl From<tokio_postgres::Error> for HandleError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::classify(e)
    }
}

impl From<deadpool_postgres::PoolError> for HandleError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::classify(e)
    }
}

impl From<redis::RedisError> for HandleError {
    fn from(e: redis::RedisError) -> Self {
        Self::Transient(e.into())
    }
}

/// Handles one event type. Must be idempotent: the same envelope `id` can arrive twice.
pub trait Handler<E: Event>: Send + Sync + 'static {
    /// Applies the event. Returning `Ok` acknowledges it.
    fn handle(&self, envelope: Envelope<E>)
    -> impl Future<Output = Result<(), HandleError>> + Send;
}

/// Where and how to consume.
#[derive(Clone, Debug)]
pub struct ConsumerSpec {
    /// The queue and its bindings.
    pub queue: QueueSpec,
    /// Unacknowledged deliveries held at once.
    pub prefetch: u16,
    /// The first pause before a failed delivery is handed back; it doubles with each attempt.
    pub retry_backoff: Duration,
    /// How long [`consume_batched`] waits after a batch's first delivery for more (up to the
    /// prefetch). Zero by default: only what has already arrived is taken, since waiting adds
    /// latency when the queue is quiet. Worth it where nobody waits on the outcome and each
    /// batch has a fixed cost (a transaction, a publish, an ack).
    pub gather: Duration,
}

impl ConsumerSpec {
    /// A consumer of `queue` with the service's prefetch and the default backoff.
    pub fn new(queue: QueueSpec, prefetch: u16) -> Self {
        Self {
            queue,
            prefetch,
            retry_backoff: Duration::from_millis(200),
            gather: Duration::ZERO,
        }
    }

    /// The same consumer, gathering each batch for up to `window` (see [`Self::gather`]).
    #[must_use]
    pub fn gathering(self, window: Duration) -> Self {
        Self {
            gather: window,
            ..self
        }
    }
}

/// Consumes `E` from `spec.queue` until `shutdown`, one delivery at a time so that per-queue
/// order is kept. Survives broker outages by resubscribing once the connection is back.
pub async fn consume<E, H>(
    client: AmqpClient,
    spec: ConsumerSpec,
    handler: Arc<H>,
    shutdown: CancellationToken,
) where
    E: Event,
    H: Handler<E>,
{
    consume_decoded(
        client,
        spec,
        |payload| events::decode::<E>(payload).map_err(|e| e.to_string()),
        move |envelope: Envelope<E>| {
            let handler = handler.clone();
            async move {
                let span =
                    tracing::info_span!("event", event_id = %envelope.id, kind = E::ROUTING_KEY);
                handler.handle(envelope).instrument(span).await
            }
        },
        shutdown,
    )
    .await;
}

/// Consumes any JSON payload `T` (internal commands, say) with the same guarantees as
/// [`consume`]: `decode` failures are dead-lettered at once, `handle` failures retried up to the
/// limit, panics counted as failures.
pub async fn consume_decoded<T, D, F, Fut>(
    client: AmqpClient,
    spec: ConsumerSpec,
    decode: D,
    handle: F,
    shutdown: CancellationToken,
) where
    D: Fn(&[u8]) -> Result<T, String>,
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<(), HandleError>>,
{
    while let Some(mut consumer) = subscribe_until_subscribed(&client, &spec, &shutdown).await {
        tracing::info!(queue = %spec.queue.name, "consuming");
        loop {
            let next = tokio::select! {
                () = shutdown.cancelled() => return,
                next = consumer.next() => next,
            };
            match next {
                Some(Ok(delivery)) => process(&spec, delivery, &decode, &handle).await,
                Some(Err(e)) => {
                    tracing::warn!(queue = %spec.queue.name, error = %e, "consumer interrupted");
                    break;
                }
                None => break,
            }
        }
    }
}

/// Consumes like [`consume_decoded`], but hands `handle` every delivery that is already waiting
/// (or arrives within `spec.gather`), up to the prefetch, at once, in queue order, so that it can
/// apply them in one transaction: one commit (one fsync) for a burst instead of one per message.
/// `handle` returns one outcome per item, in order; successes are acknowledged together with a
/// single multiple-ack.
pub async fn consume_batched<T, D, F, Fut>(
    client: AmqpClient,
    spec: ConsumerSpec,
    decode: D,
    handle: F,
    shutdown: CancellationToken,
) where
    D: Fn(&[u8]) -> Result<T, String>,
    F: Fn(Vec<T>) -> Fut,
    Fut: Future<Output = Vec<Result<(), HandleError>>>,
{
    while let Some(mut consumer) = subscribe_until_subscribed(&client, &spec, &shutdown).await {
        tracing::info!(queue = %spec.queue.name, "consuming in batches");
        let limit = usize::from(spec.prefetch.max(1));
        loop {
            let first = tokio::select! {
                () = shutdown.cancelled() => return,
                next = consumer.next() => next,
            };
            let mut batch = match first {
                Some(Ok(delivery)) => vec![delivery],
                Some(Err(e)) => {
                    tracing::warn!(queue = %spec.queue.name, error = %e, "consumer interrupted");
                    break;
                }
                None => break,
            };
            // What has already arrived, and what arrives within the gathering window.
            let until = tokio::time::Instant::now() + spec.gather;
            let mut interrupted = false;
            while batch.len() < limit {
                let next = match consumer.next().now_or_never() {
                    Some(next) => next,
                    None if spec.gather.is_zero() => break,
                    None => match tokio::time::timeout_at(until, consumer.next()).await {
                        Ok(next) => next,
                        Err(_) => break,
                    },
                };
                match next {
                    Some(Ok(delivery)) => batch.push(delivery),
                    Some(Err(e)) => {
                        tracing::warn!(queue = %spec.queue.name, error = %e, "consumer interrupted");
                        interrupted = true;
                        break;
                    }
                    None => {
                        interrupted = true;
                        break;
                    }
                }
            }
            process_batch(&spec, batch, &decode, &handle).await;
            if interrupted {
                break;
            }
        }
    }
}

/// Consumes like [`consume_decoded`], but handles up to `spec.prefetch` deliveries at once, each
/// on its own task, so that a slow one (a request to a remote server, a pause before a retry)
/// holds up none of the others. Deliveries of one queue are then handled in no particular order.
/// On shutdown, handlers still running get `DRAIN` to finish; the rest are dropped unacknowledged,
/// and the broker hands them out again.
pub async fn consume_concurrently<T, D, F, Fut>(
    client: AmqpClient,
    spec: ConsumerSpec,
    decode: D,
    handle: F,
    shutdown: CancellationToken,
) where
    T: Send + 'static,
    D: Fn(&[u8]) -> Result<T, String> + Send + Sync + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandleError>> + Send + 'static,
{
    const DRAIN: Duration = Duration::from_secs(5);
    let spec = Arc::new(spec);
    let work = Arc::new((decode, handle));
    let mut running = tokio::task::JoinSet::new();
    while let Some(mut consumer) = subscribe_until_subscribed(&client, &spec, &shutdown).await {
        tracing::info!(queue = %spec.queue.name, "consuming concurrently");
        loop {
            let next = tokio::select! {
                () = shutdown.cancelled() => break,
                // Finished handlers are collected as they end, so the set only holds live ones.
                Some(_) = running.join_next(), if !running.is_empty() => continue,
                next = consumer.next() => next,
            };
            match next {
                Some(Ok(delivery)) => {
                    let (spec, work) = (spec.clone(), work.clone());
                    running.spawn(async move {
                        let (decode, handle) = &*work;
                        process(&spec, delivery, decode, handle).await;
                    });
                }
                Some(Err(e)) => {
                    tracing::warn!(queue = %spec.queue.name, error = %e, "consumer interrupted");
                    break;
                }
                None => break,
            }
        }
        if shutdown.is_cancelled() {
            break;
        }
    }
    let drained = tokio::time::timeout(DRAIN, async {
        while running.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::info!(queue = %spec.queue.name, left = running.len(), "stopping handlers still running; they will be redelivered");
        running.abort_all();
    }
}

async fn process_batch<T, D, F, Fut>(
    spec: &ConsumerSpec,
    deliveries: Vec<Delivery>,
    decode: &D,
    handle: &F,
) where
    D: Fn(&[u8]) -> Result<T, String>,
    F: Fn(Vec<T>) -> Fut,
    Fut: Future<Output = Vec<Result<(), HandleError>>>,
{
    let queue = spec.queue.name.as_str();
    let mut decoded = Vec::with_capacity(deliveries.len());
    let mut items = Vec::with_capacity(deliveries.len());
    for delivery in deliveries {
        match decode(&delivery.data) {
            Ok(item) => {
                items.push(item);
                decoded.push(delivery);
            }
            Err(e) => {
                tracing::error!(queue, error = %e, "undecodable message, dead-lettering");
                dead_letter(&delivery).await;
            }
        }
    }
    if decoded.is_empty() {
        return;
    }
    let count = decoded.len();
    let mut outcomes = AssertUnwindSafe(handle(items))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| {
            std::iter::repeat_with(|| {
                Err(HandleError::Transient(anyhow::anyhow!("handler panicked")))
            })
            .take(count)
            .collect()
        });
    if outcomes.len() != count {
        tracing::error!(
            queue,
            expected = count,
            got = outcomes.len(),
            "batch handler returned the wrong number of outcomes"
        );
        outcomes = std::iter::repeat_with(|| {
            Err(HandleError::Transient(anyhow::anyhow!(
                "batch handler broke its contract"
            )))
        })
        .take(count)
        .collect();
    }

    // Failures are settled one by one first, so that the closing multiple-ack covers exactly
    // the successes (every earlier tag on this channel is settled by then).
    let mut last_success = None;
    let mut retry = Vec::new();
    for (delivery, outcome) in decoded.into_iter().zip(outcomes) {
        match outcome {
            Ok(()) => last_success = Some(delivery),
            Err(HandleError::Permanent(e)) => {
                tracing::error!(queue, error = %format!("{e:#}"), "message cannot be handled, dead-lettering");
                dead_letter(&delivery).await;
            }
            Err(HandleError::Transient(e)) => {
                let attempt = delivery_count(&delivery) + 1;
                tracing::warn!(queue, attempt, error = %format!("{e:#}"), "handling failed");
                retry.push((attempt, delivery));
            }
        }
    }
    if let Some(max_attempt) = retry.iter().map(|(attempt, _)| *attempt).max() {
        let pause = spec.retry_backoff * 2u32.pow(max_attempt.min(5) - 1);
        tokio::time::sleep(pause).await;
        for (_, delivery) in retry {
            requeue(&delivery).await;
        }
    }
    if let Some(delivery) = last_success {
        settle(delivery.acker.ack(BasicAckOptions { multiple: true }).await);
    }
}

/// Subscribes, retrying with backoff while the broker is away; `None` once `shutdown` comes.
async fn subscribe_until_subscribed(
    client: &AmqpClient,
    spec: &ConsumerSpec,
    shutdown: &CancellationToken,
) -> Option<lapin::Consumer> {
    let mut backoff = Duration::from_millis(100);
    loop {
        let subscription = tokio::select! {
            () = shutdown.cancelled() => return None,
            subscription = subscribe(client, spec) => subscription,
        };
        match subscription {
            Ok(consumer) => return Some(consumer),
            Err(e) => {
                tracing::warn!(queue = %spec.queue.name, error = %e, "cannot subscribe, retrying");
                tokio::select! {
                    () = shutdown.cancelled() => return None,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn subscribe(client: &AmqpClient, spec: &ConsumerSpec) -> lapin::Result<lapin::Consumer> {
    let mut channel = client.channel(Duration::from_secs(30)).await?;
    if let Err(e) = client.topology().declare_queue(&channel, &spec.queue).await {
        if !is_precondition_failed(&e) {
            return Err(e);
        }
        // The queue exists with other arguments: an earlier version declared it. Empty, it is
        // recreated with this version's; holding messages, it is left alone (deleting it would
        // lose them) and this fails, loudly and retried, until an operator drains it. (Quorum
        // queues cannot be deleted "if empty", so the count is read first; a command published
        // in between is lost, and its sender, never answered, sends it again.)
        let cleaner = client.channel(Duration::from_secs(30)).await?;
        let existing = cleaner
            .queue_declare(
                spec.queue.name.clone().into(),
                QueueDeclareOptions {
                    passive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        if existing.message_count() > 0 {
            tracing::error!(
                queue = %spec.queue.name,
                messages = existing.message_count(),
                "the queue has other arguments than this version declares and still holds messages: \
                 drain it with the earlier version, or delete it"
            );
            return Err(e);
        }
        tracing::warn!(queue = %spec.queue.name, "recreating an empty queue with this version's arguments");
        cleaner
            .queue_delete(
                spec.queue.name.clone().into(),
                QueueDeleteOptions::default(),
            )
            .await?;
        channel = client.channel(Duration::from_secs(30)).await?;
        client
            .topology()
            .declare_queue(&channel, &spec.queue)
            .await?;
    }
    channel
        .basic_qos(spec.prefetch, BasicQosOptions::default())
        .await?;
    channel
        .basic_consume(
            spec.queue.name.clone().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
}

async fn process<T, D, F, Fut>(spec: &ConsumerSpec, delivery: Delivery, decode: &D, handle: &F)
where
    D: Fn(&[u8]) -> Result<T, String>,
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<(), HandleError>>,
{
    let queue = spec.queue.name.as_str();
    let attempt = delivery_count(&delivery) + 1;
    let item = match decode(&delivery.data) {
        Ok(item) => item,
        Err(e) => {
            tracing::error!(queue, error = %e, "undecodable message, dead-lettering");
            dead_letter(&delivery).await;
            return;
        }
    };
    let outcome = AssertUnwindSafe(handle(item))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| Err(HandleError::Transient(anyhow::anyhow!("handler panicked"))));
    match outcome {
        Ok(()) => settle(delivery.acker.ack(BasicAckOptions::default()).await),
        Err(HandleError::Permanent(e)) => {
            tracing::error!(queue, attempt, error = %format!("{e:#}"), "message cannot be handled, dead-lettering");
            dead_letter(&delivery).await;
        }
        Err(HandleError::Transient(e)) => {
            // Back off before handing it back so a failing dependency is not hammered; the broker
            // counts the redelivery and dead-letters the message past the limit.
            let pause = spec.retry_backoff * 2u32.pow(attempt.min(5) - 1);
            tracing::warn!(queue, attempt, error = %format!("{e:#}"), retry_in = ?pause, "handling failed");
            tokio::time::sleep(pause).await;
            requeue(&delivery).await;
        }
    }
}

/// Earlier deliveries of this message, as a quorum queue counts them.
fn delivery_count(delivery: &Delivery) -> u32 {
    delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|headers| headers.inner().get("x-delivery-count").cloned())
        .and_then(|value| match value {
            AMQPValue::LongLongInt(n) => u32::try_from(n).ok(),
            AMQPValue::LongInt(n) => u32::try_from(n).ok(),
            AMQPValue::LongUInt(n) => Some(n),
            AMQPValue::ShortInt(n) => u32::try_from(n).ok(),
            _ => None,
        })
        .unwrap_or(0)
}

/// Sends `delivery` to the queue's dead-letter queue.
async fn dead_letter(delivery: &Delivery) {
    settle(
        delivery
            .acker
            .reject(BasicRejectOptions { requeue: false })
            .await,
    );
}

/// Hands `delivery` back to the queue, which counts the attempt.
async fn requeue(delivery: &Delivery) {
    settle(
        delivery
            .acker
            .nack(BasicNackOptions {
                multiple: false,
                requeue: true,
            })
            .await,
    );
}

/// An ack that fails means the channel is gone; the broker will redeliver, and the handler is
/// idempotent, so logging is all there is to do.
fn settle(result: lapin::Result<bool>) {
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not settle a delivery; it will be redelivered");
    }
}

/// Whether the broker refused a declaration because the object exists with other arguments.
fn is_precondition_failed(error: &lapin::Error) -> bool {
    use lapin::protocol::{AMQPErrorKind, AMQPSoftError};
    matches!(
        error.kind(),
        lapin::ErrorKind::ProtocolError(e)
            if *e.kind() == AMQPErrorKind::Soft(AMQPSoftError::PRECONDITIONFAILED)
    )
}
