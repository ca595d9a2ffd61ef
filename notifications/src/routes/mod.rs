//! notifications' HTTP routes, one file per endpoint. Each is thin: extract and check, call the
//! repository, answer.

use actix_web::web;

mod list_notifications;
mod mark_read;
mod notifications_socket;

/// Registers every route of notifications.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/notifications/version",
        shared::http::version("notifications"),
    )
    .route("/api/notifications/openapi.yaml", shared::http::openapi())
    .route(
        "/api/notifications",
        web::get().to(list_notifications::list_notifications),
    )
    .route(
        "/api/notifications/",
        web::get().to(list_notifications::list_notifications),
    )
    .route(
        "/api/notifications/read",
        web::post().to(mark_read::mark_read),
    )
    .route(
        "/ws/notifications",
        web::get().to(notifications_socket::open),
    );
}
