//! `POST /api/auth/signin`.

use actix_web::{HttpRequest, HttpResponse, web};

use super::{UserBody, user_agent};
use crate::client_address::client_address;
use crate::domain::SignInRequest;
use crate::error::AuthError;
use crate::repository::accounts;
use crate::sessions;
use crate::state::AppState;
use crate::throttle::AccountKey;

/// Signs in by email or username: 200 `{user}` with both cookies; 401 `invalid_credentials`
/// for an unknown account, a wrong password or one longer than bcrypt reads alike, after the
/// same work; 429 with `Retry-After` once the attempts for the account, from the client address,
/// or for the account from that address reach their limits (see `throttle`).
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<SignInRequest>,
) -> Result<HttpResponse, AuthError> {
    let form = body.into_inner().parse().map_err(AuthError::Invalid)?;
    let address = client_address(&req, &state.config.trusted_proxies);

    // The pooled connection goes back before hashing: holding it through ~0.25 s of bcrypt
    // would let a burst of sign-ins exhaust the pool.
    let account = accounts::find_by_identifier(&state.db.get().await?, &form.identifier).await?;
    // Reserved before hashing, so that concurrent guesses cannot all slip under the limit.
    let throttle_key = AccountKey::new(account.as_ref().map(|a| a.id), &form.identifier);
    let reservation = state.throttle.reserve(&throttle_key, address).await?;

    // Always one bcrypt verification, against a decoy hash when there is no account, so that
    // the answer takes the same time whether or not the account exists.
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let decoy = state.decoy_hash.clone();
    let password = form.password;
    let matches =
        web::block(move || crate::credentials::verify(&password, hash.as_deref(), &decoy))
            .await
            .map_err(|e| AuthError::Unexpected(e.into()))?;
    let account = match account {
        Some(account) if matches => account,
        // The reservation stays counted: that is what a failure costs.
        _ => return Err(AuthError::InvalidCredentials),
    };
    state.throttle.succeeded(reservation).await;

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
