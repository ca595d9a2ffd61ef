//! Live delivery of new notifications to the sockets of their owners, wherever those are.
//!
//! Notifications has its own durable topic exchange, [`DELIVERY_EXCHANGE`] (under the
//! deployment's namespace). A node binds its node inbox to it with a user's id as the routing
//! key while that user has a socket on the node ([`LiveRouting`]), so the broker sends each
//! delivery only to the nodes that hold one of the owner's sockets, and each node hands it to
//! every such socket.
//!
//! A delivery is an AMQP message whose `type` is [`NOTIFICATION_CREATED`] (the node inbox
//! dispatches on `type`) and whose body is a list of [`NotificationCreated`]: the notifications
//! of one transaction, addressed to each of their owners once (routing key and `BCC` header,
//! see [`shared::amqp::addressed`]), so a batch is one broker write and a node hands each
//! notification to its own sockets of its owner only.
//!
//! Live delivery is a courtesy: the stored notification is the truth, and a client that was
//! not connected (or connected while its node was binding) sees it in `GET /api/notifications`.

mod publisher;
mod routing;

use serde::{Deserialize, Serialize};
use shared::ids::UserId;

use crate::domain::Notification;

pub use publisher::DeliveryPublisher;
pub use routing::LiveRouting;

/// The exchange's name before the namespace.
pub const DELIVERY_EXCHANGE: &str = shared::amqp::NOTIFICATIONS_DELIVERY_EXCHANGE;

/// The AMQP `type` of a delivery, under which the node inbox handles it.
pub const NOTIFICATION_CREATED: &str = "notification.created";

/// The body of a delivery: whose sockets get it, and the notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationCreated {
    /// The owner; also the routing key.
    pub user_id: UserId,
    /// As listed by `GET /api/notifications`.
    pub notification: Notification,
}
