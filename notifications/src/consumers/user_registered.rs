//! `user.registered` → a `user.registered` frame on every socket of this node.

use shared::amqp::{HandleError, Handler};
use shared::events::{Envelope, UserRegistered};
use shared::socket::ConnectionHub;

use crate::frames::{NewUser, ServerFrame, Status};

/// Announces sign-ups to this node's sockets.
pub struct SignUpFanout {
    /// This node's sockets.
    pub hub: ConnectionHub,
}

impl Handler<UserRegistered> for SignUpFanout {
    async fn handle(&self, envelope: Envelope<UserRegistered>) -> Result<(), HandleError> {
        let event = envelope.data;
        let frame = ServerFrame::UserRegistered {
            user: NewUser {
                id: event.user_id,
                username: &event.username,
                status: Status::Offline,
            },
        };
        self.hub.broadcast(&frame.to_text(), Some(event.user_id));
        Ok(())
    }
}
