//! Pruning what push and mutes leave behind: old delivery records, old ended sessions, ended
//! mutes. Every replica may run it; the statements are idempotent.

use std::time::Duration;

use deadpool_postgres::Pool;
use tokio_util::sync::CancellationToken;

use crate::error::NotificationsError;
use crate::repository::{mutes, push_subscriptions};

/// How often.
const EVERY: Duration = Duration::from_secs(60 * 60);

/// Prunes every hour until `shutdown`.
pub async fn prune_periodically(db: Pool, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(EVERY) => {}
        }
        match prune(&db).await {
            Ok(pruned) => tracing::debug!(pruned, "push records pruned"),
            Err(e) => tracing::warn!(error = %e, "could not prune push records"),
        }
    }
}

async fn prune(db: &Pool) -> Result<u64, NotificationsError> {
    let client = db.get().await?;
    Ok(push_subscriptions::prune(&client).await? + mutes::prune(&client).await?)
}
