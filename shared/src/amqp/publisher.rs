//! Publishing with publisher confirms: a message counts as sent only once the broker has
//! confirmed it, which for a durable queue means it is on disk.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Confirmation};
use tokio::sync::Mutex;

use super::AmqpClient;
use crate::events::{Envelope, Event};

/// A message ready to go out.
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// Full exchange name.
    pub exchange: String,
    /// Routing key.
    pub routing_key: String,
    /// More routing keys, routed as the routing key is (RabbitMQ's sender-selected
    /// distribution): a queue bound to several of them still gets one copy. Removed by the broker
    /// before delivery.
    pub bcc: Vec<String>,
    /// The AMQP `type`: for public events, the routing key; for internal messages, their kind.
    pub kind: String,
    /// AMQP `message_id`; for public events, the envelope id.
    pub message_id: String,
    /// The body (JSON).
    pub payload: Vec<u8>,
}

impl Outgoing {
    /// A public event, addressed by its type's exchange and routing key.
    pub fn event<E: Event>(
        client: &AmqpClient,
        envelope: &Envelope<E>,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            exchange: client.topology().exchange(E::EXCHANGE),
            routing_key: E::ROUTING_KEY.to_owned(),
            bcc: Vec::new(),
            kind: E::ROUTING_KEY.to_owned(),
            message_id: envelope.id.to_string(),
            payload: serde_json::to_vec(envelope)?,
        })
    }

    fn properties(&self) -> BasicProperties {
        let properties = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/json".into())
            .with_message_id(self.message_id.clone().into())
            .with_type(self.kind.clone().into())
            .with_timestamp(chrono::Utc::now().timestamp().max(0) as u64);
        if self.bcc.is_empty() {
            return properties;
        }
        let keys: Vec<AMQPValue> = self
            .bcc
            .iter()
            .map(|key| AMQPValue::LongString(key.as_str().into()))
            .collect();
        let mut headers = FieldTable::default();
        headers.insert("BCC".into(), AMQPValue::FieldArray(keys.into()));
        properties.with_headers(headers)
    }
}

/// Why a publish did not happen.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The broker could not be reached or did not confirm before the deadline.
    #[error("the broker did not confirm in time: {0}")]
    Unavailable(String),
    /// The payload could not be encoded.
    #[error("cannot encode the event: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Sends persistent, confirmed messages over one channel that it re-opens when it breaks.
/// Cheap to clone; concurrent publishes share the channel (AMQP keeps their order).
#[derive(Clone)]
pub struct Publisher {
    client: AmqpClient,
    channel: Arc<Mutex<Option<Channel>>>,
}

impl Publisher {
    /// Over the process's connection.
    pub fn new(client: AmqpClient) -> Self {
        Self {
            client,
            channel: Arc::new(Mutex::new(None)),
        }
    }

    /// The connection this publisher uses.
    pub fn client(&self) -> &AmqpClient {
        &self.client
    }

    /// Publishes a public event, retrying until confirmed or `deadline` has passed.
    pub async fn publish<E: Event>(
        &self,
        envelope: &Envelope<E>,
        deadline: Duration,
    ) -> Result<(), PublishError> {
        let message = Outgoing::event(&self.client, envelope)?;
        self.publish_all(std::slice::from_ref(&message), deadline)
            .await
    }

    /// Publishes `messages` in order, pipelined (all sent, then all confirms awaited), retrying
    /// the whole batch until every one is confirmed or `deadline` has passed. A retry may send a
    /// message twice; consumers dedupe by `message_id`.
    pub async fn publish_all(
        &self,
        messages: &[Outgoing],
        deadline: Duration,
    ) -> Result<(), PublishError> {
        let give_up = tokio::time::Instant::now() + deadline;
        let mut backoff = Duration::from_millis(50);
        loop {
            let remaining = give_up.saturating_duration_since(tokio::time::Instant::now());
            let error = match self.try_publish_all(messages, remaining).await {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            if tokio::time::Instant::now() + backoff >= give_up || self.client.is_stopped() {
                return Err(PublishError::Unavailable(error));
            }
            tracing::debug!(error = %error, "publish failed, retrying");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(1));
        }
    }

    async fn try_publish_all(
        &self,
        messages: &[Outgoing],
        patience: Duration,
    ) -> Result<(), String> {
        let channel = self.channel(patience).await.map_err(|e| e.to_string())?;
        let outcome = tokio::time::timeout(patience.max(Duration::from_millis(100)), async {
            let publishes = messages.iter().map(|message| {
                // Addressed to a queue by its name (the default exchange), a message must find
                // it: one kept in memory is gone after the broker restarts until its consumer
                // declares it again, and the broker would confirm a message it dropped.
                let options = BasicPublishOptions {
                    mandatory: message.exchange.is_empty(),
                    ..BasicPublishOptions::default()
                };
                channel.basic_publish(
                    message.exchange.clone().into(),
                    message.routing_key.clone().into(),
                    options,
                    &message.payload,
                    message.properties(),
                )
            });
            let mut confirms = Vec::with_capacity(messages.len());
            for publish in all_in_order(publishes).await {
                confirms.push(publish.map_err(|e| e.to_string())?);
            }
            for (confirm, message) in confirms.into_iter().zip(messages) {
                match confirm.await.map_err(|e| e.to_string())? {
                    Confirmation::Ack(None) => {}
                    Confirmation::Ack(Some(_)) => {
                        return Err(format!("no queue named {}", message.routing_key));
                    }
                    other => return Err(format!("broker refused a message: {other:?}")),
                }
            }
            Ok(())
        })
        .await
        .unwrap_or_else(|_| Err("timed out waiting for confirms".to_owned()));
        if outcome.is_err() {
            self.discard(&channel).await;
        }
        outcome
    }

    async fn channel(&self, patience: Duration) -> lapin::Result<Channel> {
        let mut slot = self.channel.lock().await;
        if let Some(channel) = slot.as_ref()
            && channel.status().connected()
        {
            return Ok(channel.clone());
        }
        let channel = self.client.channel(patience).await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        *slot = Some(channel.clone());
        Ok(channel)
    }

    async fn discard(&self, broken: &Channel) {
        let mut slot = self.channel.lock().await;
        if slot.as_ref().is_some_and(|c| c.id() == broken.id()) {
            *slot = None;
        }
    }
}

/// Runs `futures` together and returns their outputs in order. Each pass polls them in order, so
/// the first runs every one's synchronous start in order: a publish queues its frames for the
/// connection's I/O thread there and then waits for them to be written. Awaited one after
/// another, each publish would wake that thread and wait for it in turn (two thread switches
/// and a socket write each); started together, a batch leaves in one write.
async fn all_in_order<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut waiting = false;
        for (future, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => waiting = true,
                }
            }
        }
        if waiting {
            Poll::Pending
        } else {
            Poll::Ready(outputs.iter_mut().filter_map(Option::take).collect())
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::all_in_order;

    #[tokio::test]
    async fn every_future_starts_in_order_before_any_finishes_and_outputs_keep_the_order() {
        let started = Mutex::new(Vec::new());
        let (open, gate) = tokio::sync::watch::channel(false);
        let futures = (0..40).map(|i| {
            let started = &started;
            let mut gate = gate.clone();
            async move {
                started.lock().unwrap().push(i);
                let _ = gate.wait_for(|open| *open).await;
                i
            }
        });
        let check = async {
            tokio::task::yield_now().await;
            assert_eq!(*started.lock().unwrap(), (0..40).collect::<Vec<_>>());
            open.send(true).unwrap();
        };
        let (outputs, ()) = tokio::join!(all_in_order(futures), check);
        assert_eq!(outputs, (0..40).collect::<Vec<_>>());
    }
}
