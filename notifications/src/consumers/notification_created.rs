//! `notification.created` (a delivery from this service's own exchange, see [`crate::live`]) →
//! a `notification` frame on every socket of its owner on this node.

use shared::socket::ConnectionHub;

use crate::frames::ServerFrame;
use crate::live::NotificationCreated;

/// Hands deliveries to the owner's sockets on this node.
#[derive(Clone)]
pub struct NotificationPush {
    /// This node's sockets.
    pub hub: ConnectionHub,
}

impl NotificationPush {
    /// Sends the delivery in `payload` to its owner's sockets here; a payload that is not a
    /// delivery is logged and dropped (the node inbox cannot retry, and the notification is
    /// stored anyway).
    pub fn deliver(&self, payload: &[u8]) {
        let delivery: NotificationCreated = match serde_json::from_slice(payload) {
            Ok(delivery) => delivery,
            Err(e) => {
                tracing::warn!(error = %e, "undecodable notification delivery");
                return;
            }
        };
        let frame = ServerFrame::Notification {
            notification: &delivery.notification,
        };
        let sockets = self
            .hub
            .send_to_user(delivery.user_id, &frame.to_text(), None);
        tracing::debug!(user = %delivery.user_id, notification = %delivery.notification.id, sockets, "notification pushed");
    }
}
