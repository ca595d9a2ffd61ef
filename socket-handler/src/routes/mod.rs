//! socket-handler's HTTP routes, one file per endpoint.

use actix_web::web;

mod chat_socket;

/// Registers every route of socket-handler.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/ws/chat", web::get().to(chat_socket::open));
}
