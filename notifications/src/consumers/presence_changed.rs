//! `user.online` and `user.offline` → a `presence` frame on every socket of this node.

use chrono::{DateTime, Utc};
use shared::amqp::{HandleError, Handler};
use shared::events::{Envelope, UserOffline, UserOnline};
use shared::ids::UserId;
use shared::socket::ConnectionHub;

use crate::frames::{ServerFrame, Status};

/// Fans presence changes out to this node's sockets.
pub struct PresenceFanout {
    /// This node's sockets.
    pub hub: ConnectionHub,
}

impl PresenceFanout {
    fn push(&self, user_id: UserId, username: &str, status: Status, at: DateTime<Utc>) {
        let frame = ServerFrame::Presence {
            user_id,
            username,
            status,
            last_seen_at: at,
        };
        // The user's own sockets do not need to hear about themselves.
        self.hub.broadcast(&frame.to_text(), Some(user_id));
    }
}

impl Handler<UserOnline> for PresenceFanout {
    async fn handle(&self, envelope: Envelope<UserOnline>) -> Result<(), HandleError> {
        let event = envelope.data;
        self.push(event.user_id, &event.username, Status::Online, event.at);
        Ok(())
    }
}

impl Handler<UserOffline> for PresenceFanout {
    async fn handle(&self, envelope: Envelope<UserOffline>) -> Result<(), HandleError> {
        let event = envelope.data;
        self.push(event.user_id, &event.username, Status::Offline, event.at);
        Ok(())
    }
}
