//! `GET /ws/chat`: the chat WebSocket.

use actix_web::HttpResponse;
use shared::auth::CurrentUser;
use shared::http::{ApiError, ErrorCode};

/// Authentication comes first, from the `auth` cookie only; the socket protocol itself is not
/// served yet, and says so rather than pretending.
pub async fn open(user: CurrentUser) -> Result<HttpResponse, ApiError> {
    tracing::debug!(user = %user.id, "chat socket requested");
    Err(ApiError::new(
        ErrorCode::Unavailable,
        "The chat socket is not available yet.",
    ))
}
