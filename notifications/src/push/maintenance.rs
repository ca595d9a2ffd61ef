//! Pruning what push and mutes leave behind: old delivery records, old ended sessions, ended
//! mutes. Every replica may run it; the statements are idempotent.

use std::time::Duration;

use deadpool_postgres::Pool;

use crate::error::NotificationsError;
use crate::repository::{mutes, push_subscriptions};

/// How often.
pub const EVERY: Duration = Duration::from_secs(60 * 60);

/// Prunes push records and ended mutes; how many rows went.
pub async fn prune(db: &Pool) -> Result<u64, NotificationsError> {
    let client = db.get().await?;
    Ok(push_subscriptions::prune(&client).await? + mutes::prune(&client).await?)
}
