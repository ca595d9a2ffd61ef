//! `user.online`: a user's first connection opened.

use shared::amqp::{HandleError, Handler};
use shared::events::{Envelope, UserOnline};

use super::ConsumerContext;
use super::presence::{self, Transition};
use crate::domain::Status;

/// Marks the user online (creating their profile if `user.registered` is still on its way).
pub struct UserOnlineHandler(pub ConsumerContext);

impl Handler<UserOnline> for UserOnlineHandler {
    async fn handle(&self, envelope: Envelope<UserOnline>) -> Result<(), HandleError> {
        let transition = Transition {
            event: envelope.id,
            user: envelope.data.user_id,
            username: &envelope.data.username,
            status: Status::Online,
            at: envelope.data.at,
        };
        Ok(presence::apply(&self.0, transition).await?)
    }
}
