//! `user.signed.out` (durable queue) → the push subscriptions made by the ended session (or, for
//! a sign-out everywhere, by every session of the user that existed then) are deleted, and the
//! end is remembered so that a subscription request of that session still on its way is
//! refused. auth publishes it for a sign-out, a sign-out everywhere (`sessionId` null) and a
//! revocation (a refresh token presented twice).

use shared::amqp::{HandleError, Handler};
use shared::events::{Envelope, UserSignedOut};

use super::ConsumerContext;
use crate::error::NotificationsError;
use crate::repository::push_subscriptions;

/// Ends the push subscriptions of ended sessions.
pub struct SubscriptionsEnder(pub ConsumerContext);

impl Handler<UserSignedOut> for SubscriptionsEnder {
    #[tracing::instrument(
        name = "user_signed_out",
        skip_all,
        fields(event_id = %envelope.id, user_id = %envelope.data.user_id)
    )]
    async fn handle(&self, envelope: Envelope<UserSignedOut>) -> Result<(), HandleError> {
        Ok(end(&self.0, &envelope).await?)
    }
}

/// Idempotent: a second delivery records the end again (harmless) and finds nothing to delete.
async fn end(
    context: &ConsumerContext,
    envelope: &Envelope<UserSignedOut>,
) -> Result<(), NotificationsError> {
    let event = &envelope.data;
    let mut client = context.db.get().await?;
    let transaction = client.transaction().await?;
    push_subscriptions::lock_user(&transaction, event.user_id).await?;
    let deleted = push_subscriptions::end_session(
        &transaction,
        event.user_id,
        event.session_id,
        envelope.occurred_at,
    )
    .await?;
    transaction.commit().await?;
    if deleted > 0 {
        tracing::info!(deleted, "push subscriptions of an ended session deleted");
    }
    Ok(())
}
