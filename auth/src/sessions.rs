//! Starting and ending sessions: the database rows, the events (through the outbox, in the same
//! transaction) and the revocation list that makes other services stop trusting a session's
//! tokens at once.

use actix_web::HttpResponseBuilder;
use deadpool_postgres::Transaction;
use shared::auth::Claims;
use shared::events::{Envelope, UserLoggedIn, UserSignedOut};
use shared::ids::{SessionId, UserId};
use shared::outbox;

use crate::cookies;
use crate::domain::RefreshToken;
use crate::error::AuthError;
use crate::repository::accounts::Account;
use crate::repository::sessions;
use crate::state::AppState;

/// The credentials of a session, to be set as cookies.
pub struct Issued {
    /// The signed access token.
    pub access_token: String,
    /// The refresh token (only its hash is stored).
    pub refresh: RefreshToken,
}

impl Issued {
    /// Sets both cookies on a response.
    pub fn set_cookies(&self, response: &mut HttpResponseBuilder, state: &AppState) {
        response.cookie(cookies::access(&self.access_token, &state.config));
        response.cookie(cookies::refresh(&self.refresh, &state.config));
    }
}

/// Starts a session for `account` within `transaction` and enqueues `user.logged.in`.
pub async fn start(
    state: &AppState,
    transaction: &Transaction<'_>,
    account: &Account,
    user_agent: Option<&str>,
) -> Result<Issued, AuthError> {
    let refresh = RefreshToken::generate();
    let session = sessions::insert(
        transaction,
        account.id,
        &refresh.hash(),
        state.config.refresh_ttl,
        user_agent,
    )
    .await?;
    outbox::enqueue(
        transaction,
        &Envelope::new(UserLoggedIn {
            user_id: account.id,
            username: account.username.clone(),
            session_id: session,
        }),
    )
    .await?;
    Ok(Issued {
        access_token: sign(state, account, session)?,
        refresh,
    })
}

/// A new access token for an existing session.
pub fn sign(state: &AppState, account: &Account, session: SessionId) -> Result<String, AuthError> {
    state
        .signer
        .sign(&Claims::issue(account.id, &account.username, session))
        .map_err(|e| AuthError::Unexpected(e.into()))
}

/// Ends `ended` sessions of `user` (already marked revoked in `transaction`): lists them as
/// revoked so their tokens stop working everywhere, and enqueues `user.signed.out`, for one
/// session or (`all`) for every session of the user. Sockets close when that event arrives.
pub async fn end(
    state: &AppState,
    transaction: &Transaction<'_>,
    user: UserId,
    ended: &[SessionId],
    all: bool,
) -> Result<(), AuthError> {
    // Revoke before committing: if Redis is down the request fails and nothing changes, rather
    // than leaving a session revoked in the database but still trusted by the other services.
    for session in ended {
        state.revocations.revoke(*session).await?;
    }
    let events: Vec<Option<SessionId>> = if all {
        vec![None]
    } else {
        ended.iter().copied().map(Some).collect()
    };
    for session_id in events {
        outbox::enqueue(
            transaction,
            &Envelope::new(UserSignedOut {
                user_id: user,
                session_id,
            }),
        )
        .await?;
    }
    Ok(())
}

/// Lists recently revoked sessions in Redis again, every `every`, until `shutdown`.
///
/// The revocation list lives in Redis, which keeps nothing on disk: after a restart it has
/// forgotten every sign-out, and a copied token of an ended session would work again until it
/// expired (15 minutes). Postgres remembers when each session was revoked, so re-listing what
/// was revoked within the listing time closes that window to at most `every`.
pub async fn keep_revocations_listed(
    db: deadpool_postgres::Pool,
    revocations: shared::auth::SessionRevocations,
    every: std::time::Duration,
    shutdown: tokio_util::sync::CancellationToken,
) {
    use shared::auth::SessionRevocations;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        let revoked = match db.get().await {
            Ok(client) => {
                crate::repository::sessions::revoked_within(&client, SessionRevocations::LISTED_FOR)
                    .await
                    .map_err(anyhow::Error::from)
            }
            Err(e) => Err(e.into()),
        };
        let listed = match revoked {
            Ok(revoked) if revoked.is_empty() => Ok(0),
            Ok(revoked) => {
                let remaining: Vec<_> = revoked
                    .into_iter()
                    .map(|(session, age)| {
                        (session, SessionRevocations::LISTED_FOR.saturating_sub(age))
                    })
                    .collect();
                revocations
                    .relist(&remaining)
                    .await
                    .map(|()| remaining.len())
                    .map_err(anyhow::Error::from)
            }
            Err(e) => Err(e),
        };
        match listed {
            Ok(count) => tracing::debug!(count, "revoked sessions listed again"),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "could not list revoked sessions again")
            }
        }
    }
}
