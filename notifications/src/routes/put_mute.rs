//! `PUT /api/notifications/mutes/{conversationId}`: mute a conversation.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use shared::auth::CurrentUser;
use shared::ids::ConversationId;

use crate::domain::MuteRequest;
use crate::error::NotificationsError;
use crate::repository::mutes;
use crate::state::AppState;

/// `{until: RFC 3339 | null}` → 204. Until then (or until unmuted) the conversation's
/// notifications are stored but neither pushed nor sent live, and leave the badge alone.
/// Muting again replaces the earlier `until`. The mute is the caller's own preference and
/// changes nothing for anyone else, so any conversation id is accepted: the answer never says
/// whether a conversation exists.
#[tracing::instrument(skip_all, fields(caller = %caller.id, conversation = %conversation))]
pub async fn put_mute(
    caller: CurrentUser,
    conversation: web::Path<ConversationId>,
    body: web::Json<serde_json::Value>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, NotificationsError> {
    let request =
        MuteRequest::parse(&body, Utc::now()).map_err(NotificationsError::InvalidFields)?;
    let client = state.db.get().await?;
    if !mutes::put(&client, caller.id, *conversation, request.until).await? {
        return Err(NotificationsError::QuotaExceeded(format!(
            "You have {} muted conversations, the most allowed; unmute one first.",
            mutes::MAX_MUTES
        )));
    }
    Ok(HttpResponse::NoContent().finish())
}
