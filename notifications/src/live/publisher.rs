//! Publishing deliveries to the nodes that hold their owners' sockets, with publisher confirms.

use std::time::Duration;

use shared::amqp::addressed::{Addressed, Part};
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
    /// confirms or `deadline` has passed: as few messages as the `BCC` header allows (see
    /// [`Addressed`]), each a list of deliveries addressed to every one of their owners, so a
    /// batch of notifications is one broker write rather than one each. A message no node is
    /// bound for is confirmed and dropped: its owners are offline.
    pub async fn publish_all(
        &self,
        deliveries: &[NotificationCreated],
        deadline: Duration,
    ) -> Result<(), NotificationsError> {
        let mut addressed = Addressed::default();
        for delivery in deliveries {
            addressed.add(vec![delivery.user_id.to_string()], delivery);
        }
        let messages = addressed
            .into_parts()
            .into_iter()
            .map(|Part { items, mut keys }| {
                Ok(Outgoing {
                    exchange: self.exchange.clone(),
                    routing_key: keys.remove(0),
                    bcc: keys,
                    kind: NOTIFICATION_CREATED.to_owned(),
                    message_id: uuid::Uuid::now_v7().to_string(),
                    payload: serde_json::to_vec(&items).map_err(anyhow::Error::from)?,
                })
            })
            .collect::<Result<Vec<_>, NotificationsError>>()?;
        if messages.is_empty() {
            return Ok(());
        }
        self.publisher
            .publish_all(&messages, deadline)
            .await
            .map_err(|e| NotificationsError::from(anyhow::Error::from(e)))
    }
}
