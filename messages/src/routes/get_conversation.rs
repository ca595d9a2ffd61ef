//! `GET /api/messages/conversations/{id}`: one conversation of either kind, as the caller sees
//! it.

use actix_web::{HttpResponse, web};
use deadpool_postgres::Pool;
use shared::auth::CurrentUser;
use shared::ids::ConversationId;

use super::ConversationBody;
use crate::error::MessagesError;
use crate::repository::conversations;

/// The conversation for a member; 404 for anyone else, as for one that does not exist.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn get(
    user: CurrentUser,
    path: web::Path<ConversationId>,
    db: web::Data<Pool>,
) -> Result<HttpResponse, MessagesError> {
    let client = db.get().await?;
    let mut conversation = conversations::get_for(&client, path.into_inner(), user.id)
        .await?
        .ok_or(MessagesError::NotFound)?;
    crate::view::complete_last_messages(&client, std::slice::from_mut(&mut conversation)).await;
    Ok(HttpResponse::Ok().json(ConversationBody { conversation }))
}
