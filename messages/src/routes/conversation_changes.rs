//! `GET /api/messages/conversations/{id}/changes?since=REV&limit=`: the change feed. A client
//! that holds `rev = r` asks `since=r` after a reconnect and gets exactly what changed (new
//! messages, edits, tombstones, reactions, votes, system messages), each once, in `rev` order.

use actix_web::{HttpResponse, web};
use deadpool_postgres::Pool;
use serde::{Deserialize, Serialize};
use shared::auth::CurrentUser;
use shared::events::ChatMessage;
use shared::ids::ConversationId;

use crate::domain::PageSize;
use crate::error::MessagesError;
use crate::repository::{conversations, messages};
use crate::view;
use crate::vote_cache::VoteCache;

/// `?since=&limit=` as sent.
#[derive(Deserialize)]
pub struct Query {
    since: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    messages: Vec<ChatMessage>,
    rev: i64,
    has_more: bool,
}

/// The messages changed after `since`, for members; 404 for anyone else.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn changes(
    user: CurrentUser,
    path: web::Path<ConversationId>,
    query: web::Query<Query>,
    db: web::Data<Pool>,
    votes: web::Data<VoteCache>,
) -> Result<HttpResponse, MessagesError> {
    let conversation = path.into_inner();
    let query = query.into_inner();
    let client = db.get().await?;
    if !conversations::is_member(&client, conversation, user.id).await? {
        return Err(MessagesError::NotFound);
    }
    let since = match query.since.as_deref().filter(|s| !s.is_empty()) {
        None => 0,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|since| *since >= 0)
            .ok_or_else(|| MessagesError::field("since", "Use a rev of 0 or more."))?,
    };
    let limit = PageSize::parse_param(query.limit.as_deref())
        .map_err(|e| MessagesError::field("limit", e))?;
    let mut changed = messages::changes(&client, conversation, user.id, since, limit).await?;
    let has_more = changed.len() as i64 > limit.as_i64();
    changed.truncate(usize::from(limit.get()));
    view::complete(&client, &votes, user.id, &mut changed).await;
    let rev = changed.last().map_or(since, |last| last.rev);
    Ok(HttpResponse::Ok().json(Body {
        messages: changed,
        rev,
        has_more,
    }))
}
