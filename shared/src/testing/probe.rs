//! Event probes: a test's own view of what a service publishes.

use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;

use crate::amqp::{AmqpClient, Topology};
use crate::events::{self, Envelope, Event};

/// Observes one public event type from the moment it is bound.
pub struct EventProbe<E> {
    consumer: lapin::Consumer,
    _client: AmqpClient,
    _event: std::marker::PhantomData<E>,
}

impl<E: Event> EventProbe<E> {
    pub(super) async fn bind(client: AmqpClient, topology: Topology) -> Self {
        let channel = client
            .channel(Duration::from_secs(10))
            .await
            .expect("broker reachable");
        topology
            .declare_exchanges(&channel)
            .await
            .expect("declaring exchanges");
        let queue = channel
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("declaring the probe queue");
        channel
            .queue_bind(
                queue.name().clone(),
                topology.exchange(E::EXCHANGE).into(),
                E::ROUTING_KEY.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("binding the probe queue");
        let consumer = channel
            .basic_consume(
                queue.name().clone(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("consuming the probe queue");
        Self {
            consumer,
            _client: client,
            _event: std::marker::PhantomData,
        }
    }

    /// The next event, or a panic after `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Envelope<E> {
        let delivery = tokio::time::timeout(timeout, self.consumer.next())
            .await
            .unwrap_or_else(|_| panic!("no {} event within {timeout:?}", E::ROUTING_KEY))
            .expect("probe consumer ended")
            .expect("probe delivery");
        let _ = delivery.acker.ack(BasicAckOptions::default()).await;
        assert_eq!(
            delivery.properties.delivery_mode(),
            &Some(2),
            "events must be persistent"
        );
        assert_eq!(
            delivery.properties.kind().as_ref().map(|k| k.as_str()),
            Some(E::ROUTING_KEY),
            "the AMQP type must equal the routing key"
        );
        let envelope = events::decode::<E>(&delivery.data).expect("a well-formed envelope");
        assert_eq!(
            delivery
                .properties
                .message_id()
                .as_ref()
                .map(|m| m.as_str().to_owned()),
            Some(envelope.id.to_string()),
            "message_id must equal the envelope id"
        );
        envelope
    }

    /// Asserts that no event arrives within `window`.
    pub async fn assert_silent(&mut self, window: Duration) {
        if let Ok(Some(Ok(delivery))) = tokio::time::timeout(window, self.consumer.next()).await {
            panic!(
                "unexpected {} event: {}",
                E::ROUTING_KEY,
                String::from_utf8_lossy(&delivery.data)
            );
        }
    }
}
