//! notifications' HTTP routes, one file per endpoint.

use actix_web::web;

mod notifications_socket;

/// Registers every route of notifications.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/notifications/version",
        shared::http::version("notifications"),
    )
    .route(
        "/ws/notifications",
        web::get().to(notifications_socket::open),
    );
}
