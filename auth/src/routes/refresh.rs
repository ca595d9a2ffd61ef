//! `POST /api/auth/refresh`.

use actix_web::{HttpRequest, HttpResponse, web};
use shared::auth::REFRESH_COOKIE;
use shared::http::ApiError;

use super::UserBody;
use crate::cookies;
use crate::domain::RefreshToken;
use crate::error::AuthError;
use crate::repository::{accounts, sessions as session_rows};
use crate::sessions::{self, Issued};
use crate::state::AppState;

/// Rotates the refresh token: 200 `{user}` with new cookies. A token that was already rotated
/// away is a stolen or replayed one: the session is revoked, exactly as by a sign-out, and the
/// answer is 401 with the cookies cleared.
#[tracing::instrument(skip_all)]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let Some(cookie) = req.cookie(REFRESH_COOKIE) else {
        return Err(AuthError::Unauthenticated);
    };
    let presented = RefreshToken::presented(cookie.value());
    let presented_hash = presented.hash();

    let mut client = state.db.get().await?;
    let transaction = client.transaction().await?;
    let Some(session) = session_rows::lock_by_refresh_hash(&transaction, &presented_hash).await?
    else {
        if let Some(reused) =
            session_rows::find_by_retired_hash(&transaction, &presented_hash).await?
            && session_rows::revoke(&transaction, reused.account_id, reused.id).await?
        {
            tracing::warn!(user = %reused.account_id, session = %reused.id, "refresh token reused; session revoked");
            sessions::end(&state, &transaction, reused.account_id, &[reused.id], false).await?;
            transaction.commit().await?;
        }
        return Ok(unauthenticated_and_cleared(&state));
    };
    let Some(account) = accounts::find(&transaction, session.account_id).await? else {
        return Ok(unauthenticated_and_cleared(&state));
    };

    let refresh = RefreshToken::generate();
    session_rows::rotate(
        &transaction,
        session.id,
        &presented_hash,
        &refresh.hash(),
        state.config.refresh_ttl,
    )
    .await?;
    let issued = Issued {
        access_token: sessions::sign(&state, &account, session.id)?,
        refresh,
    };
    transaction.commit().await?;

    let mut response = HttpResponse::Ok();
    issued.set_cookies(&mut response, &state);
    Ok(response.json(UserBody {
        user: account.view(),
    }))
}

fn unauthenticated_and_cleared(state: &AppState) -> HttpResponse {
    let mut response = actix_web::ResponseError::error_response(&ApiError::unauthenticated());
    for cookie in cookies::cleared(&state.config) {
        // A cookie that cannot be added to the headers is left for its expiry.
        let _ = response.add_cookie(&cookie);
    }
    response
}
