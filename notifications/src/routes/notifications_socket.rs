//! `GET /ws/notifications`: the notifications WebSocket.

use std::sync::Arc;

use shared::auth::CurrentUser;
use shared::socket::{SocketEndpoint, SocketServices};

use crate::live::LiveRouting;
use crate::protocol::NotificationsProtocol;

/// The notifications socket. Upgrades reach it before any route (see
/// [`shared::socket::Upgrades`]); a plain `GET` on its path is refused by
/// [`shared::socket::refuse_plain`].
pub struct NotificationsSocket {
    /// What every socket of this node shares.
    pub sockets: Arc<SocketServices>,
    /// This node's per-user routing of live deliveries.
    pub live: LiveRouting,
}

impl SocketEndpoint for NotificationsSocket {
    type Handler = NotificationsProtocol;
    const PATH: &'static str = "/ws/notifications";

    fn services(&self) -> &Arc<SocketServices> {
        &self.sockets
    }

    async fn handler_for(&self, _: &CurrentUser) -> NotificationsProtocol {
        NotificationsProtocol::new(self.live.clone())
    }
}
