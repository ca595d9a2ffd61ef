//! `GET /api/messages/conversations`: the caller's conversations of both kinds.

use actix_web::{HttpResponse, web};
use deadpool_postgres::Pool;
use serde::Deserialize;
use shared::auth::CurrentUser;
use shared::http::cursor;

use crate::domain::{PageCursor, PageSize};
use crate::error::MessagesError;
use crate::repository::conversations;

#[derive(Deserialize)]
pub struct Query {
    limit: Option<String>,
    cursor: Option<String>,
}

/// The caller's conversations, most recently active first.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn list(
    user: CurrentUser,
    query: web::Query<Query>,
    db: web::Data<Pool>,
) -> Result<HttpResponse, MessagesError> {
    let query = query.into_inner();
    let limit = PageSize::parse_param(query.limit.as_deref())
        .map_err(|e| MessagesError::field("limit", e))?;
    let cursor = cursor::parse_param::<PageCursor>(query.cursor.as_deref())
        .map_err(|e| MessagesError::field("cursor", e))?;
    let client = db.get().await?;
    let mut conversations = conversations::list_for(&client, user.id, cursor, limit).await?;
    let next_cursor = if conversations.len() as i64 > limit.as_i64() {
        conversations.truncate(usize::from(limit.get()));
        conversations.last().map(|last| {
            cursor::encode(&PageCursor {
                updated_at: last.updated_at,
                id: last.id.as_uuid(),
            })
        })
    } else {
        None
    };
    crate::view::complete_last_messages(&client, &mut conversations).await;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "conversations": conversations,
        "nextCursor": next_cursor,
    })))
}
