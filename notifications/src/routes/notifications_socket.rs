//! `GET /ws/notifications`: the notifications WebSocket.

use actix_web::{HttpRequest, HttpResponse, web};
use shared::http::{ApiError, ErrorCode};
use shared::socket::{SocketServices, serve, upgrade};

use crate::protocol::NotificationsProtocol;
use crate::state::AppState;

/// Upgrades a signed-in, same-origin request and serves the socket on this worker.
pub async fn open(
    req: HttpRequest,
    body: web::Payload,
    services: web::Data<SocketServices>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let user = upgrade(&req).await?;
    let (response, session, stream) = actix_ws::handle(&req, body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidField,
            format!("Not a WebSocket upgrade: {e}."),
        )
    })?;
    actix_web::rt::spawn(serve(
        user,
        session,
        stream,
        services.into_inner(),
        NotificationsProtocol::new(state.live.clone()),
    ));
    Ok(response)
}
