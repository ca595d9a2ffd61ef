//! `POST /api/notifications/read`: mark some or all of the caller's notifications read.

use actix_web::{HttpResponse, web};
use shared::auth::CurrentUser;

use crate::domain::ReadRequest;
use crate::error::NotificationsError;
use crate::repository::notifications;
use crate::state::AppState;

/// `{ids: [...]}` (at most 500) or `{all: true}` → 204. Only the caller's own notifications
/// change: another user's ids match nothing, exactly like ids that do not exist, so the answer
/// never tells whether someone else's notification exists. Marking a read one again keeps its
/// first `readAt`.
#[tracing::instrument(skip_all, fields(caller = %caller.id))]
pub async fn mark_read(
    caller: CurrentUser,
    body: web::Json<serde_json::Value>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, NotificationsError> {
    let request = ReadRequest::parse(&body).map_err(NotificationsError::InvalidFields)?;
    let client = state.db.get().await?;
    let marked = match request {
        ReadRequest::Ids(ids) if ids.is_empty() => 0,
        ReadRequest::Ids(ids) => notifications::mark_read(&client, caller.id, &ids).await?,
        ReadRequest::All => notifications::mark_all_read(&client, caller.id).await?,
    };
    tracing::debug!(marked, "notifications marked read");
    Ok(HttpResponse::NoContent().finish())
}
