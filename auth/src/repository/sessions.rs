//! Sessions and their refresh tokens (stored as SHA-256 hashes): created at sign-in, rotated on
//! refresh, ended by sign-out.

use std::time::Duration;

use deadpool_postgres::GenericClient;
use shared::ids::{SessionId, UserId};

/// A session found by its current refresh token.
pub struct ActiveSession {
    /// The session.
    pub id: SessionId,
    /// Its account.
    pub account_id: UserId,
}

/// Starts a session whose refresh token hashes to `refresh_hash`.
pub async fn insert(
    client: &impl GenericClient,
    account: UserId,
    refresh_hash: &[u8],
    ttl: Duration,
    user_agent: Option<&str>,
) -> Result<SessionId, tokio_postgres::Error> {
    let id = SessionId::new();
    client
        .execute(
            "INSERT INTO sessions (id, account_id, refresh_hash, expires_at, user_agent)
             VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5)",
            &[
                &id.as_uuid(),
                &account.as_uuid(),
                &refresh_hash,
                &(ttl.as_secs() as f64),
                &user_agent,
            ],
        )
        .await?;
    Ok(id)
}

/// The live, unexpired session whose current token hashes to `refresh_hash`, locked for
/// rotation so that two concurrent refreshes cannot both succeed.
pub async fn lock_by_refresh_hash(
    client: &impl GenericClient,
    refresh_hash: &[u8],
) -> Result<Option<ActiveSession>, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            "SELECT id, account_id FROM sessions
             WHERE refresh_hash = $1 AND revoked_at IS NULL AND expires_at > now()
             FOR UPDATE",
            &[&refresh_hash],
        )
        .await?
        .map(|row| ActiveSession {
            id: row.get::<_, uuid::Uuid>(0).into(),
            account_id: row.get::<_, uuid::Uuid>(1).into(),
        }))
}

/// The session a rotated-away token belonged to, if `refresh_hash` is one.
pub async fn find_by_retired_hash(
    client: &impl GenericClient,
    refresh_hash: &[u8],
) -> Result<Option<ActiveSession>, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            "SELECT s.id, s.account_id FROM retired_refresh_tokens r
             JOIN sessions s ON s.id = r.session_id WHERE r.refresh_hash = $1",
            &[&refresh_hash],
        )
        .await?
        .map(|row| ActiveSession {
            id: row.get::<_, uuid::Uuid>(0).into(),
            account_id: row.get::<_, uuid::Uuid>(1).into(),
        }))
}

/// Replaces the session's token, remembering the old one as retired, and extends its life.
pub async fn rotate(
    client: &impl GenericClient,
    session: SessionId,
    old_hash: &[u8],
    new_hash: &[u8],
    ttl: Duration,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "INSERT INTO retired_refresh_tokens (refresh_hash, session_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            &[&old_hash, &session.as_uuid()],
        )
        .await?;
    client
        .execute(
            "UPDATE sessions SET refresh_hash = $2, refreshed_at = now(),
                 expires_at = now() + make_interval(secs => $3)
             WHERE id = $1",
            &[&session.as_uuid(), &new_hash, &(ttl.as_secs() as f64)],
        )
        .await?;
    Ok(())
}

/// Revokes one session of `account`; true if it was live.
pub async fn revoke(
    client: &impl GenericClient,
    account: UserId,
    session: SessionId,
) -> Result<bool, tokio_postgres::Error> {
    Ok(client
        .execute(
            "UPDATE sessions SET revoked_at = now()
             WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL",
            &[&session.as_uuid(), &account.as_uuid()],
        )
        .await?
        == 1)
}

/// Sessions revoked within `within`, each with how long ago.
pub async fn revoked_within(
    client: &impl GenericClient,
    within: std::time::Duration,
) -> Result<Vec<(SessionId, std::time::Duration)>, tokio_postgres::Error> {
    Ok(client
        .query(
            "SELECT id, extract(epoch FROM now() - revoked_at)::float8 FROM sessions
             WHERE revoked_at > now() - make_interval(secs => $1)",
            &[&within.as_secs_f64()],
        )
        .await?
        .iter()
        .map(|row| {
            let age =
                std::time::Duration::try_from_secs_f64(row.get::<_, f64>(1)).unwrap_or_default();
            (row.get::<_, uuid::Uuid>(0).into(), age)
        })
        .collect())
}

/// Revokes every live session of `account`; returns them.
pub async fn revoke_all(
    client: &impl GenericClient,
    account: UserId,
) -> Result<Vec<SessionId>, tokio_postgres::Error> {
    Ok(client
        .query(
            "UPDATE sessions SET revoked_at = now()
             WHERE account_id = $1 AND revoked_at IS NULL RETURNING id",
            &[&account.as_uuid()],
        )
        .await?
        .iter()
        .map(|row| row.get::<_, uuid::Uuid>(0).into())
        .collect())
}

/// Whether `session` is live (not revoked, not expired).
pub async fn is_live(
    client: &impl GenericClient,
    session: SessionId,
) -> Result<bool, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            "SELECT 1 FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()",
            &[&session.as_uuid()],
        )
        .await?
        .is_some())
}
