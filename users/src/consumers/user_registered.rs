//! `user.registered`: a new account joins the directory.

use shared::amqp::{HandleError, Handler};
use shared::events::{Envelope, UserRegistered};

use super::ConsumerContext;
use crate::error::UsersError;
use crate::repository::{processed_events, users};

/// Adds the account's profile (offline until a presence event says otherwise).
pub struct UserRegisteredHandler(pub ConsumerContext);

impl Handler<UserRegistered> for UserRegisteredHandler {
    async fn handle(&self, envelope: Envelope<UserRegistered>) -> Result<(), HandleError> {
        Ok(register(&self.0, &envelope).await?)
    }
}

async fn register(
    context: &ConsumerContext,
    envelope: &Envelope<UserRegistered>,
) -> Result<(), UsersError> {
    let mut client = context.db.get().await?;
    let transaction = client.transaction().await?;
    if !processed_events::record(&transaction, envelope.id).await? {
        tracing::debug!("already applied");
        return Ok(());
    }
    let changed = users::record_registration(
        &transaction,
        envelope.data.user_id,
        &envelope.data.username,
        envelope.occurred_at,
    )
    .await?;
    transaction.commit().await?;
    if changed {
        context.list_cache.invalidate().await;
    }
    Ok(())
}
