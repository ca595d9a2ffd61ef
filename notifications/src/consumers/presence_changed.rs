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
        // Only the newest status of a user matters, so a wave of changes replaces frames not
        // yet sent instead of queueing behind them (see `Mailbox`).
        self.hub.broadcast_latest(user_id, &frame.to_text());
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
