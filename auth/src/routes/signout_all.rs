//! `POST /api/auth/signout-all`.

use actix_web::{HttpResponse, web};
use shared::auth::CurrentUser;

use crate::cookies;
use crate::error::AuthError;
use crate::repository::sessions as session_rows;
use crate::sessions;
use crate::state::AppState;

/// Ends every session of the caller, on every device: 204 with the cookies cleared.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn sign_out_everywhere(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let mut client = state.db.get().await?;
    let transaction = client.transaction().await?;
    let ended = session_rows::revoke_all(&transaction, user.id).await?;
    sessions::end(&state, &transaction, user.id, &ended, true).await?;
    transaction.commit().await?;
    tracing::info!(sessions = ended.len(), "signed out everywhere");

    let mut response = HttpResponse::NoContent();
    for cookie in cookies::cleared(&state.config) {
        response.cookie(cookie);
    }
    Ok(response.finish())
}
