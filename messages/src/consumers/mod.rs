//! What messages does with public events: one file per event, each idempotent, each on its own
//! durable queue `messages.<routing key>`.

pub mod user_registered;

use shared::service::ServiceInfra;

/// Starts one background consumer per event, stopped by the service's shutdown token.
pub fn start(infra: &ServiceInfra) {
    infra.consume(user_registered::UserRegisteredHandler {
        db: infra.db.clone(),
    });
}
