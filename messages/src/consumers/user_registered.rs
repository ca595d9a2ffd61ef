//! `user.registered` → the account exists here: messages can be sent to it and its username
//! shown as a peer.

use deadpool_postgres::Pool;
use shared::amqp::{HandleError, Handler};
use shared::events::{Envelope, UserRegistered};

use crate::repository::users;

/// Records new accounts. Idempotent: an upsert by id.
pub struct UserRegisteredHandler {
    /// messages' database.
    pub db: Pool,
}

impl Handler<UserRegistered> for UserRegisteredHandler {
    async fn handle(&self, envelope: Envelope<UserRegistered>) -> Result<(), HandleError> {
        let client = self.db.get().await?;
        users::upsert(&client, envelope.data.user_id, &envelope.data.username).await?;
        Ok(())
    }
}
