//! `notification.created` (a delivery from this service's own exchange, see [`crate::live`]) →
//! a `notification` frame on every socket of its owner on this node. One delivery carries a
//! list of notifications addressed to all their owners; a single object (as published before
//! lists were) is read as a list of one.

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
    /// Sends each notification in `payload` to its owner's sockets here (owners with none here
    /// are skipped: the delivery was addressed to every owner of the list); a payload that is
    /// not a delivery is logged and dropped (the node inbox cannot retry, and the notifications
    /// are stored anyway).
    pub fn deliver(&self, payload: &[u8]) {
        let decoded = if payload.first() == Some(&b'[') {
            serde_json::from_slice::<Vec<NotificationCreated>>(payload)
        } else {
            serde_json::from_slice::<NotificationCreated>(payload).map(|one| vec![one])
        };
        let deliveries = match decoded {
            Ok(deliveries) => deliveries,
            Err(e) => {
                tracing::warn!(error = %e, "undecodable notification delivery");
                return;
            }
        };
        for delivery in deliveries {
            if !self.hub.is_connected(delivery.user_id) {
                continue;
            }
            let frame = ServerFrame::Notification {
                notification: &delivery.notification,
            };
            let sockets = self
                .hub
                .send_to_user(delivery.user_id, &frame.to_text(), None);
            tracing::debug!(user = %delivery.user_id, notification = %delivery.notification.id, sockets, "notification pushed");
        }
    }
}
