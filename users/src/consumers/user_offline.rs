//! `user.offline`: a user's last connection closed or expired.

use shared::amqp::{HandleError, Handler};
use shared::events::{Envelope, UserOffline};

use super::ConsumerContext;
use super::presence::{self, Transition};
use crate::domain::Status;

/// Marks the user offline, last seen at the event's `at` (creating their profile if
/// `user.registered` is still on its way).
pub struct UserOfflineHandler(pub ConsumerContext);

impl Handler<UserOffline> for UserOfflineHandler {
    async fn handle(&self, envelope: Envelope<UserOffline>) -> Result<(), HandleError> {
        let transition = Transition {
            event: envelope.id,
            user: envelope.data.user_id,
            username: &envelope.data.username,
            status: Status::Offline,
            at: envelope.data.at,
        };
        Ok(presence::apply(&self.0, transition).await?)
    }
}
