//! `GET /ws/chat`: the chat WebSocket.

use actix_web::{HttpRequest, HttpResponse, web};
use shared::http::ApiError;
use shared::socket::{SocketServices, accept};

use crate::protocol::{ChatProtocol, ChatServices};

/// Upgrades a signed-in, same-origin request. The node starts receiving the user's deliveries
/// before the upgrade is answered, so nothing stored after the client sees the socket open can
/// pass it by.
pub async fn open(
    req: HttpRequest,
    body: web::Payload,
    sockets: web::Data<SocketServices>,
    chat: web::Data<ChatServices>,
) -> Result<HttpResponse, ApiError> {
    accept(&req, body, sockets.into_inner(), |user| async move {
        chat.bindings.acquire(user.id).await;
        ChatProtocol::new(chat.into_inner())
    })
    .await
}
