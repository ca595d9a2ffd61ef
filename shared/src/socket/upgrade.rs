//! The checks before a WebSocket upgrade.

use actix_web::{HttpRequest, web};

use crate::auth::{Authenticator, CurrentUser};
use crate::http::{AllowedOrigins, ApiError, ErrorCode};

/// The signed-in user of an upgrade request, or the refusal: 403 for a foreign `Origin`
/// (cross-site WebSocket hijacking: the browser would send our cookies), 401 without a valid,
/// unrevoked session. Identity comes only from the cookie, never from the URL.
pub async fn upgrade(req: &HttpRequest) -> Result<CurrentUser, ApiError> {
    let permitted = req
        .app_data::<web::Data<AllowedOrigins>>()
        .is_none_or(|allowed| allowed.permits(req.headers()));
    if !permitted {
        return Err(ApiError::new(
            ErrorCode::ForbiddenOrigin,
            "This socket was opened from a site that is not allowed.",
        ));
    }
    let authenticator = req
        .app_data::<web::Data<Authenticator>>()
        .ok_or_else(|| ApiError::internal(&anyhow::anyhow!("Authenticator is not registered")))?;
    authenticator.authenticate(req).await
}
