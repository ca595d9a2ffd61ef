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

    /// Publishes `deliveries` in order, in one confirm window, retrying until the broker
    /// confirms every one or `deadline` has passed. A delivery that no node is bound for is
    /// confirmed and dropped: its owner is offline.
    pub async fn publish_all(
        &self,
        deliveries: &[NotificationCreated],
        deadline: Duration,
    ) -> Result<(), NotificationsError> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let messages = deliveries
            .iter()
            .map(|delivery| {
                Ok(Outgoing {
                    exchange: self.exchange.clone(),
                    routing_key: delivery.user_id.to_string(),
                    bcc: Vec::new(),
                    kind: NOTIFICATION_CREATED.to_owned(),
                    message_id: delivery.notification.id.to_string(),
                    payload: serde_json::to_vec(delivery).map_err(anyhow::Error::from)?,
                })
            })
            .collect::<Result<Vec<_>, NotificationsError>>()?;
        self.publisher
            .publish_all(&messages, deadline)
            .await
            .map_err(|e| NotificationsError::from(anyhow::Error::from(e)))
    }
}
