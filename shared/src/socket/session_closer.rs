//! `user.signed.out` → close that session's sockets on this node with 4001, within moments of
//! the sign-out (the event reaches every node through its inbox).

use crate::amqp::{HandleError, Handler};
use crate::events::{Envelope, UserSignedOut};

use super::{ConnectionHub, close_code};

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
