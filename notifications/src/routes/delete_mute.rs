//! `DELETE /api/notifications/mutes/{conversationId}`: unmute a conversation.

use actix_web::{HttpResponse, web};
use shared::auth::CurrentUser;
use shared::ids::ConversationId;

use crate::error::NotificationsError;
use crate::repository::mutes;
use crate::state::AppState;

/// 204, whether or not it was muted (unmuting is idempotent).
#[tracing::instrument(skip_all, fields(caller = %caller.id, conversation = %conversation))]
pub async fn delete_mute(
    caller: CurrentUser,
    conversation: web::Path<ConversationId>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, NotificationsError> {
    let client = state.db.get().await?;
    mutes::delete(&client, caller.id, *conversation).await?;
    Ok(HttpResponse::NoContent().finish())
}
