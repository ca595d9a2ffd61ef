//! notifications's HTTP routes, one file per endpoint.

use actix_web::web;

/// Registers every route of notifications.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/notifications/version",
        shared::http::version("notifications"),
    );
}
