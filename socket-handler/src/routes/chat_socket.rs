//! `GET /ws/chat`: the chat WebSocket.

use std::sync::Arc;

use shared::auth::CurrentUser;
use shared::socket::{SocketEndpoint, SocketServices};

use crate::protocol::{ChatProtocol, ChatServices};

/// The chat socket. Upgrades reach it before any route (see [`shared::socket::Upgrades`]); a
/// plain `GET` on its path is refused by [`shared::socket::refuse_plain`].
pub struct ChatSocket {
    /// What every socket of this node shares.
    pub sockets: Arc<SocketServices>,
    /// What the chat protocol needs.
    pub chat: Arc<ChatServices>,
}

impl SocketEndpoint for ChatSocket {
    type Handler = ChatProtocol;
    const PATH: &'static str = "/ws/chat";

    fn services(&self) -> &Arc<SocketServices> {
        &self.sockets
    }

    /// The node starts receiving the user's deliveries before the upgrade is answered, so
    /// nothing stored after the client sees the socket open can pass it by.
    async fn handler_for(&self, user: &CurrentUser) -> ChatProtocol {
        self.chat.bindings.acquire(user.id).await;
        ChatProtocol::new(self.chat.clone())
    }
}
