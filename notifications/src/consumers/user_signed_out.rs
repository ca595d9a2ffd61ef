//! `user.signed.out` → close that session's sockets on this node with 4001.

use shared::amqp::{HandleError, Handler};
use shared::events::{Envelope, UserSignedOut};
use shared::socket::{ConnectionHub, close_code};

/// Closes the sockets of ended sessions.
pub struct SessionCloser {
    /// This node's sockets.
    pub hub: ConnectionHub,
}

impl Handler<UserSignedOut> for SessionCloser {
    async fn handle(&self, envelope: Envelope<UserSignedOut>) -> Result<(), HandleError> {
        let event = envelope.data;
        let closed = self.hub.close_sessions(
            event.user_id,
            event.session_id,
            close_code::SESSION_ENDED,
            "signed out",
        );
        if closed > 0 {
            tracing::info!(user = %event.user_id, closed, "closed the sockets of an ended session");
        }
        Ok(())
    }
}
