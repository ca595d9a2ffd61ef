//! messages's HTTP routes, one file per endpoint.

use actix_web::web;

/// Registers every route of messages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/messages/version", shared::http::version("messages"));
}
