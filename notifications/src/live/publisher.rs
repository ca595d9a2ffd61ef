//! Publishing deliveries to the nodes that hold their owners' sockets, with publisher confirms.

use std::time::Duration;

use shared::amqp::{Outgoing, Publisher};

use super::{DELIVERY_EXCHANGE, NOTIFICATION_CREATED, NotificationCreated};
use crate::error::NotificationsError;

/// Sends deliveries to the delivery exchange (declared by the shared topology on every
/// connect). Cheap to clone.
#[derive(Clone)]
pub struct DeliveryPublisher {
    publisher: Publisher,
    exchange: String,
}

impl DeliveryPublisher {
    /// Over the process's confirming publisher.
    pub fn new(publisher: Publisher) -> Self {
        let exchange = publisher.client().topology().named(DELIVERY_EXCHANGE);
        Self {
            publisher,
            exchange,
        }
    }

    /// The exchange's full name.
    pub fn exchange(&self) -> &str {
        &self.exchange
    }

    /// Publishes `delivery`, retrying until the broker confirms it or `deadline` has passed.
    /// A delivery that no node is bound for is confirmed and dropped: its owner is offline.
    pub async fn publish(
        &self,
        delivery: &NotificationCreated,
        deadline: Duration,
    ) -> Result<(), NotificationsError> {
        let message = Outgoing {
            exchange: self.exchange.clone(),
            routing_key: delivery.user_id.to_string(),
            kind: NOTIFICATION_CREATED.to_owned(),
            message_id: delivery.notification.id.to_string(),
            payload: serde_json::to_vec(delivery).map_err(anyhow::Error::from)?,
        };
        self.publisher
            .publish_all(std::slice::from_ref(&message), deadline)
            .await
            .map_err(|e| NotificationsError::from(anyhow::Error::from(e)))
    }
}
