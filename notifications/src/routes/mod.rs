//! notifications' HTTP routes, one file per endpoint. Each is thin: extract and check, call the
//! repository, answer.

use actix_web::web;
use shared::socket::{SocketEndpoint, refuse_plain};

mod create_subscription;
mod delete_mute;
mod delete_subscription;
mod list_mutes;
mod list_notifications;
mod list_subscriptions;
mod mark_read;
mod notifications_socket;
mod push_key;
mod put_mute;

pub use notifications_socket::NotificationsSocket;

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
        "/api/notifications/push/key",
        web::get().to(push_key::push_key),
    )
    .route(
        "/api/notifications/push/subscriptions",
        web::get().to(list_subscriptions::list_subscriptions),
    )
    .route(
        "/api/notifications/push/subscriptions",
        web::post().to(create_subscription::create_subscription),
    )
    .route(
        "/api/notifications/push/subscriptions/{id}",
        web::delete().to(delete_subscription::delete_subscription),
    )
    .route(
        "/api/notifications/mutes",
        web::get().to(list_mutes::list_mutes),
    )
    .route(
        "/api/notifications/mutes/{conversation_id}",
        web::put().to(put_mute::put_mute),
    )
    .route(
        "/api/notifications/mutes/{conversation_id}",
        web::delete().to(delete_mute::delete_mute),
    )
    .route(NotificationsSocket::PATH, web::get().to(refuse_plain));
}
