//! `GET /api/notifications/push/subscriptions`: the caller's push subscriptions.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use shared::auth::CurrentUser;

use crate::error::NotificationsError;
use crate::repository::push_subscriptions::{self, Subscription};
use crate::state::AppState;

/// `{subscriptions: [{id, endpoint, createdAt}]}`.
#[derive(Serialize)]
struct Listing {
    subscriptions: Vec<Subscription>,
}

/// Every subscription of the caller (at most 20), oldest first. Keys are never returned.
#[tracing::instrument(skip_all, fields(caller = %caller.id))]
pub async fn list_subscriptions(
    caller: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, NotificationsError> {
    let client = state.db.get().await?;
    let subscriptions = push_subscriptions::list(&client, caller.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "private, no-store"))
        .json(Listing { subscriptions }))
}
