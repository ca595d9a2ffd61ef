//! `GET /api/auth/session`: who is signed in, if anyone. Not part of the public contract.
//!
//! The web app asks this once at start. `GET /api/auth/currentuser` answers a visitor without a
//! session with a 401, as the contract says, and browsers log every such answer as a failed
//! request; this route answers the same question with a 200 either way, and says whether a
//! refresh may sign the visitor in again, so a signed-out visit makes no failing request at all.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use shared::auth::{Authenticator, CurrentUser, REFRESH_COOKIE};
use shared::http::ErrorCode;

use crate::error::AuthError;
use crate::repository::accounts::{self, UserView};
use crate::repository::sessions;
use crate::state::AppState;

/// `{user, refreshable}`.
#[derive(serde::Serialize)]
struct SessionBody {
    /// The signed-in account, or null.
    user: Option<UserView>,
    /// No one is signed in by the `auth` cookie, but a `refresh` cookie came along, so
    /// `POST /api/auth/refresh` may start a new access token. Its validity is left to that call:
    /// this one only reads, and a refused refresh clears the cookie.
    refreshable: bool,
}

/// 200 `{user, refreshable}` whether or not anyone is signed in; 503 when a dependency is down.
#[tracing::instrument(skip_all)]
pub async fn session(
    req: HttpRequest,
    state: web::Data<AppState>,
    authenticator: web::Data<Authenticator>,
) -> Result<HttpResponse, actix_web::Error> {
    let user = match authenticator.authenticate(&req).await {
        Ok(user) => live_account(&state, &user).await?,
        Err(refused) if refused.code() == ErrorCode::Unauthenticated => None,
        Err(failed) => return Err(failed.into()),
    };
    let refreshable = user.is_none()
        && req
            .cookie(REFRESH_COOKIE)
            .is_some_and(|cookie| !cookie.value().is_empty());
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(SessionBody { user, refreshable }))
}

/// The account of a genuine token, while its session is live and the account exists (the same
/// rule as `currentuser`).
async fn live_account(state: &AppState, user: &CurrentUser) -> Result<Option<UserView>, AuthError> {
    let client = state.db.get().await?;
    if !sessions::is_live(&client, user.session_id).await? {
        return Ok(None);
    }
    Ok(accounts::find(&client, user.id)
        .await?
        .map(|account| account.view()))
}
