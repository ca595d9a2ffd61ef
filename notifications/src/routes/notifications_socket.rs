//! `GET /ws/notifications`: the notifications WebSocket.

use actix_web::{HttpRequest, HttpResponse, web};
use shared::http::ApiError;
use shared::socket::{SocketServices, accept};

use crate::protocol::NotificationsProtocol;
use crate::state::AppState;

/// Upgrades a signed-in, same-origin request and serves the socket on this worker.
pub async fn open(
    req: HttpRequest,
    body: web::Payload,
    sockets: web::Data<SocketServices>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    accept(&req, body, sockets.into_inner(), |_| async move {
        NotificationsProtocol::new(state.live.clone())
    })
    .await
}
