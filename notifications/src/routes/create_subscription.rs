//! `POST /api/notifications/push/subscriptions`: store a browser's push subscription.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use shared::auth::{ACCESS_TOKEN_TTL, CurrentUser};

use crate::domain::SubscriptionRequest;
use crate::error::NotificationsError;
use crate::repository::push_subscriptions::{self, Stored, Subscription};
use crate::state::AppState;

/// The most subscriptions one user may have.
pub const MAX_SUBSCRIPTIONS: i64 = 20;

/// `{subscription}`.
#[derive(Serialize)]
struct Answer {
    subscription: Subscription,
}

/// `{endpoint, keys: {p256dh, auth}}` → 201 `{subscription: {id, endpoint, createdAt}}`, or 200
/// with the same subscription if the caller already had this endpoint (its keys and session are
/// refreshed). An endpoint another user had moves to the caller (a shared browser), with a new
/// id. The endpoint must pass the SSRF policy (400 naming `endpoint` otherwise). The
/// subscription belongs to the caller's session and ends with it.
#[tracing::instrument(skip_all, fields(caller = %caller.id))]
pub async fn create_subscription(
    caller: CurrentUser,
    body: web::Json<serde_json::Value>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, NotificationsError> {
    let request = SubscriptionRequest::parse(&body, &state.push.policy)
        .map_err(NotificationsError::InvalidFields)?;
    // When the caller's token was issued: a sign-out everywhere after that ended its session.
    let issued_at = DateTime::<Utc>::from_timestamp(caller.expires_at, 0)
        .map(|expires| expires - ACCESS_TOKEN_TTL)
        .ok_or_else(|| anyhow::anyhow!("a token expiring at {}", caller.expires_at))?;
    let mut client = state.db.get().await?;
    let transaction = client.transaction().await?;
    push_subscriptions::lock_user(&transaction, caller.id).await?;
    let stored = push_subscriptions::store(
        &transaction,
        caller.id,
        caller.session_id,
        issued_at,
        &request.endpoint,
        &request.keys,
        MAX_SUBSCRIPTIONS,
    )
    .await?;
    transaction.commit().await?;
    match stored {
        Stored::Created(subscription) => {
            tracing::info!(subscription = %subscription.id, "push subscription stored");
            Ok(HttpResponse::Created().json(Answer { subscription }))
        }
        Stored::Existing(subscription) => Ok(HttpResponse::Ok().json(Answer { subscription })),
        Stored::LimitReached => Err(NotificationsError::QuotaExceeded(format!(
            "You have {MAX_SUBSCRIPTIONS} push subscriptions, the most allowed; delete one first."
        ))),
        Stored::SessionEnded => Err(NotificationsError::SessionEnded),
    }
}
