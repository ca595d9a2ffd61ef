//! `POST /api/auth/signin`.

use actix_web::{HttpRequest, HttpResponse, web};

use super::{UserBody, user_agent};
use crate::client_address::client_address;
use crate::domain::SignInRequest;
use crate::error::AuthError;
use crate::repository::accounts;
use crate::sessions;
use crate::state::AppState;

/// Signs in by email or username: 200 `{user}` with both cookies; 401 `invalid_credentials`
/// for an unknown account or a wrong password alike, in about the same time; 429 after
/// repeated failures for the account or the client address.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<SignInRequest>,
) -> Result<HttpResponse, AuthError> {
    let form = body.into_inner().parse().map_err(AuthError::Invalid)?;
    let throttle_key = form.identifier.throttle_key();
    let address = client_address(&req, &state.config.trusted_proxies);
    state.throttle.check(&throttle_key, address).await?;

    // The pooled connection goes back before hashing: holding it through ~0.25 s of bcrypt
    // would let a burst of sign-ins exhaust the pool.
    let account = accounts::find_by_identifier(&state.db.get().await?, &form.identifier).await?;
    // Always run bcrypt, against a decoy hash when there is no account, so that the answer takes
    // the same time whether or not the account exists.
    let hash = crate::credentials::hash_to_check(
        account.as_ref().map(|a| a.password_hash.as_str()),
        &state.decoy_hash,
    )
    .to_owned();
    let password = form.password;
    let matches = web::block(move || bcrypt::verify(password, &hash).unwrap_or(false))
        .await
        .map_err(|e| AuthError::Unexpected(e.into()))?;
    let account = match account {
        Some(account) if matches => account,
        _ => {
            state.throttle.record_failure(&throttle_key, address).await;
            return Err(AuthError::InvalidCredentials);
        }
    };
    state.throttle.clear(&throttle_key).await;

    let mut client = state.db.get().await?;
    let transaction = client.transaction().await?;
    let issued = sessions::start(&state, &transaction, &account, user_agent(&req)).await?;
    transaction.commit().await?;
    tracing::info!(user = %account.id, "signed in");

    let mut response = HttpResponse::Ok();
    issued.set_cookies(&mut response, &state);
    Ok(response.json(UserBody {
        user: account.view(),
    }))
}
