//! The application state the routes share.

use std::sync::Arc;

use deadpool_postgres::Pool;

use crate::live::LiveRouting;
use crate::push::PushSettings;

/// What notifications' handlers work with; registered once as app data.
#[derive(Clone)]
pub struct AppState {
    /// Where notifications are stored.
    pub db: Pool,
    /// This node's per-user routing of live deliveries, which each socket's protocol drives.
    pub live: LiveRouting,
    /// The VAPID key (its public half is served) and the endpoint policy (checked on
    /// subscribe).
    pub push: Arc<PushSettings>,
}
