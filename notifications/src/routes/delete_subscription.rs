//! `DELETE /api/notifications/push/subscriptions/{id}`: stop pushing to a browser.

use actix_web::{HttpResponse, web};
use shared::auth::CurrentUser;
use uuid::Uuid;

use crate::error::NotificationsError;
use crate::repository::push_subscriptions;
use crate::state::AppState;

/// 204; 404 if the caller has no such subscription (someone else's included).
#[tracing::instrument(skip_all, fields(caller = %caller.id, subscription = %id))]
pub async fn delete_subscription(
    caller: CurrentUser,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, NotificationsError> {
    let client = state.db.get().await?;
    if push_subscriptions::delete(&client, caller.id, *id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(NotificationsError::NotFound)
    }
}
