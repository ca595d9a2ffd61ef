//! `GET /ws/chat`: the chat WebSocket.

use actix_web::{HttpRequest, HttpResponse, web};
use shared::http::{ApiError, ErrorCode};
use shared::socket::{SocketServices, serve, upgrade};

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
    let user = upgrade(&req).await?;
    let (response, session, stream) = actix_ws::handle(&req, body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidField,
            format!("Not a WebSocket upgrade: {e}."),
        )
    })?;
    chat.bindings.acquire(user.id).await;
    let protocol = ChatProtocol::new(chat.into_inner());
    actix_web::rt::spawn(serve(user, session, stream, sockets.into_inner(), protocol));
    Ok(response)
}
