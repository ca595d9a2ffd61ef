//! `GET /api/messages/conversations/{id}/messages`.

use actix_web::{HttpResponse, web};
use deadpool_postgres::Pool;
use shared::auth::CurrentUser;
use shared::ids::ConversationId;

use super::HistoryBody;
use crate::domain::HistoryQuery;
use crate::error::MessagesError;
use crate::repository::conversations;
use crate::vote_cache::VoteCache;

/// A page of a conversation the caller belongs to; 404 for anyone else.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn history(
    user: CurrentUser,
    path: web::Path<ConversationId>,
    query: web::Query<HistoryQuery>,
    db: web::Data<Pool>,
    votes: web::Data<VoteCache>,
) -> Result<HttpResponse, MessagesError> {
    let window = query.into_inner().parse().map_err(MessagesError::Invalid)?;
    let conversation = path.into_inner();
    let client = db.get().await?;
    if !conversations::is_member(&client, conversation, user.id).await? {
        return Err(MessagesError::NotFound);
    }
    let body = HistoryBody::read(&client, &votes, conversation, user.id, window).await?;
    Ok(HttpResponse::Ok().json(body))
}
