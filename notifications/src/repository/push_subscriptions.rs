//! The `push_subscriptions` and `ended_sessions` tables.
//!
//! Every change to one user's subscriptions runs under that user's transaction-scoped advisory
//! lock ([`lock_user`]): the limit per user is counted and kept under it, and a subscription
//! request and the end of its session take turns, so the one that comes second sees the first.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;
use shared::ids::{SessionId, UserId};
use tokio_postgres::Row;
use uuid::Uuid;

use crate::domain::{PushEndpoint, SubscriptionKeys};
use crate::push::client::Target;

/// The first key of this service's per-user advisory locks (the second is the user's).
const USER_LOCK_CLASS: i32 = 0x7075_7368; // "push"

/// A subscription as `GET /api/notifications/push/subscriptions` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// Its id.
    pub id: Uuid,
    /// The push resource.
    pub endpoint: String,
    /// When it was first stored for this user.
    pub created_at: DateTime<Utc>,
}

/// A subscription to push to.
#[derive(Clone, Debug)]
pub struct PushTarget {
    /// Its id.
    pub id: Uuid,
    /// Where and how.
    pub target: Target,
}

/// What storing a subscription did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stored {
    /// A new one (possibly taken over from another user, as a shared browser does).
    Created(Subscription),
    /// The caller already had this endpoint; its keys and session were refreshed.
    Existing(Subscription),
    /// The caller has the most subscriptions allowed.
    LimitReached,
    /// The session ended while the request was on its way.
    SessionEnded,
}

/// Takes `user`'s advisory lock until the end of the transaction.
pub async fn lock_user(
    client: &impl GenericClient,
    user: UserId,
) -> Result<(), tokio_postgres::Error> {
    let bytes = user.as_uuid().as_u64_pair();
    // Any 32 bits of the id will do: a collision only makes two users take turns.
    let key = (bytes.1 & 0xffff_ffff) as u32 as i32;
    client
        .execute(
            &client
                .prepare_cached("SELECT pg_advisory_xact_lock($1, $2)")
                .await?,
            &[&USER_LOCK_CLASS, &key],
        )
        .await?;
    Ok(())
}

/// Stores `endpoint` for `user` in `session`, within a transaction that holds `user`'s lock.
/// `issued_at` is when the caller's token was issued: a sign-out everywhere after it ended the
/// session. Tokens count in whole seconds, so one issued in the very second of a sign-out
/// everywhere is given the benefit of the doubt (auth's revocation list refuses it anyway if
/// its session ended).
pub async fn store(
    client: &impl GenericClient,
    user: UserId,
    session: SessionId,
    issued_at: DateTime<Utc>,
    endpoint: &PushEndpoint,
    keys: &SubscriptionKeys,
    limit: i64,
) -> Result<Stored, tokio_postgres::Error> {
    let ended = client
        .query_one(
            &client
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM ended_sessions WHERE user_id = $1
                        AND (session_id = $2
                             OR (session_id IS NULL AND ended_at >= $3::timestamptz + interval '1 second')))",
                )
                .await?,
            &[&user.as_uuid(), &session.as_uuid(), &issued_at],
        )
        .await?;
    if ended.try_get::<_, bool>(0)? {
        return Ok(Stored::SessionEnded);
    }
    let current = client
        .query_opt(
            &client
                .prepare_cached(
                    "SELECT id, user_id FROM push_subscriptions WHERE endpoint = $1 FOR UPDATE",
                )
                .await?,
            &[&endpoint.as_str()],
        )
        .await?;
    if let Some(row) = &current {
        let (id, owner): (Uuid, Uuid) = (row.try_get(0)?, row.try_get(1)?);
        if owner == user.as_uuid() {
            let row = client
                .query_one(
                    &client
                        .prepare_cached(
                            "UPDATE push_subscriptions SET session_id = $2, p256dh = $3, auth = $4
                              WHERE id = $1 RETURNING id, endpoint, created_at",
                        )
                        .await?,
                    &[&id, &session.as_uuid(), &keys.p256dh, &keys.auth],
                )
                .await?;
            return Ok(Stored::Existing(subscription(&row)?));
        }
        // Another user's: the browser now belongs to this one. A new id, so that pushes
        // already queued for the previous user never reach it.
        client
            .execute(
                &client
                    .prepare_cached("DELETE FROM push_subscriptions WHERE id = $1")
                    .await?,
                &[&id],
            )
            .await?;
    }
    let count = client
        .query_one(
            &client
                .prepare_cached("SELECT count(*) FROM push_subscriptions WHERE user_id = $1")
                .await?,
            &[&user.as_uuid()],
        )
        .await?;
    if count.try_get::<_, i64>(0)? >= limit {
        return Ok(Stored::LimitReached);
    }
    let row = client
        .query_opt(
            &client
                .prepare_cached(
                    "INSERT INTO push_subscriptions (id, user_id, session_id, endpoint, p256dh, auth)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (endpoint) DO NOTHING
                     RETURNING id, endpoint, created_at",
                )
                .await?,
            &[
                &Uuid::now_v7(),
                &user.as_uuid(),
                &session.as_uuid(),
                &endpoint.as_str(),
                &keys.p256dh,
                &keys.auth,
            ],
        )
        .await?;
    match row {
        Some(row) => Ok(Stored::Created(subscription(&row)?)),
        // Another user's request stored the same endpoint a moment ago: the last one wins, as
        // above, so take it over now that it is there to lock.
        None => {
            Box::pin(store(
                client, user, session, issued_at, endpoint, keys, limit,
            ))
            .await
        }
    }
}

/// `user`'s subscriptions, oldest first.
pub async fn list(
    client: &impl GenericClient,
    user: UserId,
) -> Result<Vec<Subscription>, tokio_postgres::Error> {
    client
        .query(
            &client
                .prepare_cached(
                    "SELECT id, endpoint, created_at FROM push_subscriptions
                      WHERE user_id = $1 ORDER BY created_at, id",
                )
                .await?,
            &[&user.as_uuid()],
        )
        .await?
        .iter()
        .map(subscription)
        .collect()
}

/// Deletes `user`'s subscription `id`; false if `user` has no such subscription.
pub async fn delete(
    client: &impl GenericClient,
    user: UserId,
    id: Uuid,
) -> Result<bool, tokio_postgres::Error> {
    Ok(client
        .execute(
            &client
                .prepare_cached("DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2")
                .await?,
            &[&id, &user.as_uuid()],
        )
        .await?
        > 0)
}

/// Deletes the subscription `id`, whoever's it is (its push service says it is gone).
pub async fn delete_gone(
    client: &impl GenericClient,
    id: Uuid,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            &client
                .prepare_cached("DELETE FROM push_subscriptions WHERE id = $1")
                .await?,
            &[&id],
        )
        .await?;
    Ok(())
}

/// Records that `session` of `user` ended at `at` (every session existing then, if `None`)
/// and deletes the subscriptions it made; within a transaction that holds `user`'s lock.
/// Returns how many were deleted.
pub async fn end_session(
    client: &impl GenericClient,
    user: UserId,
    session: Option<SessionId>,
    at: DateTime<Utc>,
) -> Result<u64, tokio_postgres::Error> {
    let session = session.map(|s| s.as_uuid());
    client
        .execute(
            &client
                .prepare_cached(
                    "INSERT INTO ended_sessions (user_id, session_id, ended_at) VALUES ($1, $2, $3)",
                )
                .await?,
            &[&user.as_uuid(), &session, &at],
        )
        .await?;
    client
        .execute(
            &client
                .prepare_cached(
                    "DELETE FROM push_subscriptions WHERE user_id = $1
                        AND CASE WHEN $2::uuid IS NULL THEN created_at <= $3 ELSE session_id = $2 END",
                )
                .await?,
            &[&user.as_uuid(), &session, &at],
        )
        .await
}

/// `user`'s subscriptions that have not yet been pushed `notification`.
pub async fn not_yet_pushed(
    client: &impl GenericClient,
    user: UserId,
    notification: Uuid,
) -> Result<Vec<PushTarget>, tokio_postgres::Error> {
    client
        .query(
            &client
                .prepare_cached(
                    "SELECT s.id, s.endpoint, s.p256dh, s.auth FROM push_subscriptions s
                      WHERE s.user_id = $1
                        AND NOT EXISTS (SELECT 1 FROM push_deliveries d
                                         WHERE d.notification_id = $2 AND d.subscription_id = s.id)",
                )
                .await?,
            &[&user.as_uuid(), &notification],
        )
        .await?
        .iter()
        .map(|row| {
            Ok(PushTarget {
                id: row.try_get(0)?,
                target: Target {
                    endpoint: row.try_get(1)?,
                    p256dh: row.try_get(2)?,
                    auth: row.try_get(3)?,
                },
            })
        })
        .collect()
}

/// How a push to one subscription ended, as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The push service took it.
    Delivered,
    /// Stopped by the SSRF policy; nothing was sent.
    Refused,
    /// Given up: rejected by the push service, or retried as often as allowed.
    Dropped,
}

impl Outcome {
    /// As stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Refused => "refused",
            Self::Dropped => "dropped",
        }
    }
}

/// Records how pushing `notification` to `subscription` ended; the first record stands.
pub async fn record_outcome(
    client: &impl GenericClient,
    notification: Uuid,
    subscription: Uuid,
    outcome: Outcome,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            &client
                .prepare_cached(
                    "INSERT INTO push_deliveries (notification_id, subscription_id, outcome)
                     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .await?,
            &[&notification, &subscription, &outcome.as_str()],
        )
        .await?;
    Ok(())
}

fn subscription(row: &Row) -> Result<Subscription, tokio_postgres::Error> {
    Ok(Subscription {
        id: row.try_get(0)?,
        endpoint: row.try_get(1)?,
        created_at: row.try_get(2)?,
    })
}

/// Deletes what no longer matters: records of pushes older than two push lifetimes (no job of
/// theirs is still handled), and ended sessions older than a day (no token of theirs is still
/// accepted). Returns how many rows went.
pub async fn prune(client: &impl GenericClient) -> Result<u64, tokio_postgres::Error> {
    let deliveries = client
        .execute(
            "DELETE FROM push_deliveries WHERE delivered_at < now() - interval '2 days'",
            &[],
        )
        .await?;
    let sessions = client
        .execute(
            "DELETE FROM ended_sessions WHERE ended_at < now() - interval '1 day'",
            &[],
        )
        .await?;
    Ok(deliveries + sessions)
}
