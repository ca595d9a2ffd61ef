//! `POST /api/auth/signup`.

use actix_web::{HttpRequest, HttpResponse, web};
use shared::events::{Envelope, UserRegistered};
use shared::outbox;

use super::{UserBody, user_agent};
use crate::client_address::client_address;
use crate::error::AuthError;
use crate::repository::accounts::{self, Taken};
use crate::sessions;
use crate::state::AppState;
use crate::throttle::AccountKey;

/// Creates an account and signs it in: 201 `{user}` with both cookies.
#[tracing::instrument(skip_all)]
pub async fn sign_up(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<crate::domain::SignUpRequest>,
) -> Result<HttpResponse, AuthError> {
    let new = body
        .into_inner()
        .parse(state.password_rules())
        .map_err(AuthError::Invalid)?;
    // The pooled connection goes back before hashing (see sign-in).
    if let Some(taken) =
        accounts::find_taken(&state.db.get().await?, &new.email, &new.username).await?
    {
        return Err(taken_error(taken));
    }

    let cost = state.config.bcrypt_cost;
    let password = new.password.clone();
    let hash = web::block(move || bcrypt::hash(password.expose(), cost))
        .await
        .map_err(|e| AuthError::Unexpected(e.into()))?
        .map_err(|e| AuthError::Unexpected(e.into()))?;

    let mut client = state.db.get().await?;
    let transaction = client.transaction().await?;
    let account = match accounts::insert(&transaction, &new.email, &new.username, &hash).await? {
        Ok(account) => account,
        // Someone took it between the check and the insert.
        Err(taken) => return Err(taken_error(taken)),
    };
    outbox::enqueue(
        &transaction,
        &Envelope::new(UserRegistered {
            user_id: account.id,
            username: account.username.clone(),
        }),
    )
    .await?;
    let issued = sessions::start(&state, &transaction, &account, user_agent(&req)).await?;
    transaction.commit().await?;
    tracing::info!(user = %account.id, "account created");
    // The owner's address: failures for the account from elsewhere will not lock them out here.
    let address = client_address(&req, &state.config.trusted_proxies);
    state
        .throttle
        .remember_address(&AccountKey::of_account(account.id), address)
        .await;

    let mut response = HttpResponse::Created();
    issued.set_cookies(&mut response, &state);
    Ok(response.json(UserBody {
        user: account.view(),
    }))
}

fn taken_error(taken: Taken) -> AuthError {
    match taken {
        Taken::Username => AuthError::UsernameTaken,
        Taken::Email => AuthError::EmailTaken,
    }
}
