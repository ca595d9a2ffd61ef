//! The events users consumes, one file each, and how they are started.
//!
//! Every handler applies its event at most once: it records the envelope id in
//! `processed_events` in the same transaction as the effect, and a duplicate finds it there and
//! changes nothing. Only after the transaction commits is the list cache invalidated, so a
//! reader can never cache a page computed before a change under the version that follows it.
//!
//! Each event has its own durable queue (`users.<routing key>`), consumed one delivery at a time
//! so that a queue's order is kept; `user.online` and `user.offline` can still overtake each
//! other (and `user.registered`), which the presence rules in the repository allow for.

mod presence;
mod user_offline;
mod user_online;
mod user_registered;

use deadpool_postgres::Pool;
use shared::service::ServiceInfra;

use crate::cache::ListCache;

pub use user_offline::UserOfflineHandler;
pub use user_online::UserOnlineHandler;
pub use user_registered::UserRegisteredHandler;

/// What every handler works with.
#[derive(Clone)]
pub struct ConsumerContext {
    /// Where the directory lives.
    pub db: Pool,
    /// Invalidated after each committed change.
    pub list_cache: ListCache,
}

/// Starts one background consumer per event, stopped by the service's shutdown token.
pub fn start(infra: &ServiceInfra, context: &ConsumerContext) {
    infra.consume(UserRegisteredHandler(context.clone()));
    infra.consume(UserOnlineHandler(context.clone()));
    infra.consume(UserOfflineHandler(context.clone()));
}
