//! `GET /api/auth/currentuser`.

use actix_web::{HttpResponse, web};
use shared::auth::CurrentUser;

use super::UserBody;
use crate::error::AuthError;
use crate::repository::{accounts, sessions};
use crate::state::AppState;

/// The signed-in account: 200 `{user}`, or 401.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn current_user(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let client = state.db.get().await?;
    // The token is genuine, but the session may have ended and the account may be gone.
    if !sessions::is_live(&client, user.session_id).await? {
        return Err(AuthError::Unauthenticated);
    }
    let account = accounts::find(&client, user.id)
        .await?
        .ok_or(AuthError::Unauthenticated)?;
    Ok(HttpResponse::Ok().json(UserBody {
        user: account.view(),
    }))
}
