//! `POST /api/auth/signout`.

use actix_web::{HttpRequest, HttpResponse, web};
use shared::auth::{AUTH_COOKIE, REFRESH_COOKIE};

use crate::cookies;
use crate::domain::RefreshToken;
use crate::error::AuthError;
use crate::repository::sessions as session_rows;
use crate::sessions;
use crate::state::AppState;

/// Ends the caller's session everywhere: 204 with both cookies cleared. The session is named by
/// the `auth` cookie or, once that has expired, by the `refresh` cookie.
#[tracing::instrument(skip_all)]
pub async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let mut client = state.db.get().await?;
    let transaction = client.transaction().await?;

    let from_access = match req.cookie(AUTH_COOKIE) {
        Some(cookie) => state
            .verifier
            .verify(cookie.value())
            .ok()
            .map(|claims| (claims.sub, claims.sid)),
        None => None,
    };
    let session = match (from_access, req.cookie(REFRESH_COOKIE)) {
        (Some(found), _) => Some(found),
        (None, Some(cookie)) => session_rows::lock_by_refresh_hash(
            &transaction,
            &RefreshToken::presented(cookie.value()).hash(),
        )
        .await?
        .map(|s| (s.account_id, s.id)),
        (None, None) => None,
    };
    let Some((user, session)) = session else {
        return Err(AuthError::Unauthenticated);
    };

    if session_rows::revoke(&transaction, user, session).await? {
        sessions::end(&state, &transaction, user, &[session], false).await?;
    }
    transaction.commit().await?;
    tracing::info!(%user, %session, "signed out");

    let mut response = HttpResponse::NoContent();
    for cookie in cookies::cleared(&state.config) {
        response.cookie(cookie);
    }
    Ok(response.finish())
}
