//! `user.registered`: its username is recorded (durable queue), and it is announced to every
//! socket of this node (node inbox).

use shared::amqp::{HandleError, Handler};
use shared::events::{Envelope, UserRegistered};
use shared::socket::ConnectionHub;

use super::ConsumerContext;
use crate::error::NotificationsError;
use crate::frames::{NewUser, ServerFrame, Status};
use crate::repository::users;

/// Records the new user's username, which labels the notifications of their messages.
pub struct UserRegisteredHandler(pub ConsumerContext);

impl Handler<UserRegistered> for UserRegisteredHandler {
    async fn handle(&self, envelope: Envelope<UserRegistered>) -> Result<(), HandleError> {
        Ok(record(&self.0, &envelope.data).await?)
    }
}

async fn record(
    context: &ConsumerContext,
    event: &UserRegistered,
) -> Result<(), NotificationsError> {
    let mut client = context.db.get().await?;
    let transaction = client.transaction().await?;
    let named = users::record(&transaction, event.user_id, &event.username).await?;
    transaction.commit().await?;
    if named > 0 {
        tracing::debug!(named, "named the sender of earlier notifications");
    }
    Ok(())
}

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
