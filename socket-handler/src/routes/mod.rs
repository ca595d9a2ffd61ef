//! socket-handler's HTTP routes, one file per endpoint.

use actix_web::web;
use shared::socket::{SocketEndpoint, refuse_plain};

mod chat_socket;

pub use chat_socket::ChatSocket;

/// Registers every route of socket-handler. Its socket's upgrades are served by [`ChatSocket`].
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(ChatSocket::PATH, web::get().to(refuse_plain));
}
