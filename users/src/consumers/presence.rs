//! What `user.online` and `user.offline` have in common: one transition, applied once and only
//! if it is newer than the last one applied.

use chrono::{DateTime, Utc};
use shared::ids::{EventId, UserId};

use super::ConsumerContext;
use crate::domain::Status;
use crate::error::UsersError;
use crate::repository::{processed_events, users};

/// One presence transition from an event.
pub(super) struct Transition<'a> {
    /// The envelope id, for dedupe.
    pub event: EventId,
    /// Whose.
    pub user: UserId,
    /// Their username, in case the profile does not exist yet.
    pub username: &'a str,
    /// Where to.
    pub status: Status,
    /// When it happened, which orders it against the others.
    pub at: DateTime<Utc>,
}

/// Applies `transition` unless it was already applied or a newer one was.
pub(super) async fn apply(
    context: &ConsumerContext,
    transition: Transition<'_>,
) -> Result<(), UsersError> {
    let mut client = context.db.get().await?;
    let transaction = client.transaction().await?;
    if !processed_events::record(&transaction, transition.event).await? {
        tracing::debug!("already applied");
        return Ok(());
    }
    let applied = users::apply_presence(
        &transaction,
        transition.user,
        transition.username,
        transition.status,
        transition.at,
    )
    .await?;
    // Committed even when stale, so that the event id is remembered.
    transaction.commit().await?;
    if applied {
        context.list_cache.invalidate().await;
    } else {
        tracing::debug!(at = %transition.at, "older than the presence already applied; ignored");
    }
    Ok(())
}
