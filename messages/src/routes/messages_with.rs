//! `GET /api/messages/with/{userId}`.

use actix_web::{HttpResponse, web};
use deadpool_postgres::Pool;
use shared::auth::CurrentUser;
use shared::ids::UserId;

use super::HistoryBody;
use crate::domain::HistoryQuery;
use crate::error::MessagesError;
use crate::repository::conversations;
use crate::vote_cache::VoteCache;

/// A page of the caller's conversation with another user; empty until its first message.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn history(
    user: CurrentUser,
    path: web::Path<UserId>,
    query: web::Query<HistoryQuery>,
    db: web::Data<Pool>,
    votes: web::Data<VoteCache>,
) -> Result<HttpResponse, MessagesError> {
    let window = query.into_inner().parse().map_err(MessagesError::Invalid)?;
    let client = db.get().await?;
    let Some(conversation) = conversations::find_pair(&client, user.id, path.into_inner()).await?
    else {
        return Ok(HttpResponse::Ok().json(HistoryBody::default()));
    };
    let body = HistoryBody::read(&client, &votes, conversation, user.id, window).await?;
    Ok(HttpResponse::Ok().json(body))
}
