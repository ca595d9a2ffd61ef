//! `GET /api/messages/search?q=&conversationId=&limit=&cursor=`: the caller's messages that
//! match a query, newest first, with where each matches.

use actix_web::{HttpResponse, web};
use deadpool_postgres::Pool;
use serde::{Deserialize, Serialize};
use shared::auth::CurrentUser;
use shared::events::ChatMessage;
use shared::http::cursor;
use shared::ids::ConversationId;
use uuid::Uuid;

use crate::domain::search::{Highlight, SearchQuery, highlights};
use crate::domain::{PageSize, SearchCursor};
use crate::error::MessagesError;
use crate::limits::{Costly, Throttle};
use crate::repository::conversations;
use crate::repository::search::{self, ConversationRef, Scope};
use crate::view;
use crate::vote_cache::VoteCache;

/// The query string as sent.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Query {
    q: Option<String>,
    conversation_id: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// `{message, conversation, highlights}`.
#[derive(Serialize)]
struct SearchResult {
    message: ChatMessage,
    conversation: ConversationRef,
    highlights: Vec<Highlight>,
}

/// `{results, nextCursor}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SearchBody {
    results: Vec<SearchResult>,
    next_cursor: Option<String>,
}

/// What a client is told when a search runs past its time.
const TOO_BROAD: &str = "This search takes too long to answer: add words or choose a conversation.";

/// Only conversations the caller belongs to now; a `conversationId` of any other is a 404.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn search(
    user: CurrentUser,
    query: web::Query<Query>,
    db: web::Data<Pool>,
    votes: web::Data<VoteCache>,
    throttle: web::Data<Throttle>,
) -> Result<HttpResponse, MessagesError> {
    throttle.take(Costly::Search, user.id).await?;
    let query = query.into_inner();
    let parsed = SearchQuery::parse(query.q.as_deref().unwrap_or_default())
        .map_err(|e| MessagesError::field("q", e))?;
    let limit = PageSize::parse_param(query.limit.as_deref())
        .map_err(|e| MessagesError::field("limit", e))?;
    let cursor = cursor::parse_param::<SearchCursor>(query.cursor.as_deref())
        .map_err(|e| MessagesError::field("cursor", e))?;
    let conversation = match query.conversation_id.as_deref().filter(|id| !id.is_empty()) {
        None => None,
        Some(id) => Some(id.parse::<ConversationId>().map_err(|_| {
            MessagesError::field("conversationId", "Use the id of one of your conversations.")
        })?),
    };
    let mut client = db.get().await?;
    if let Some(conversation) = conversation
        && !conversations::is_member(&client, conversation, user.id).await?
    {
        return Err(MessagesError::NotFound);
    }
    let scope = Scope {
        viewer: user.id,
        conversation,
        cursor,
        limit,
    };
    let mut found = search::find(&mut client, &parsed, &scope)
        .await
        .map_err(|e| {
            if search::is_timeout(&e) {
                tracing::warn!("search timed out");
                MessagesError::field("q", TOO_BROAD)
            } else {
                MessagesError::Database(e)
            }
        })?;
    let next_cursor = if found.len() > usize::from(limit.get()) {
        found.truncate(usize::from(limit.get()));
        found.last().map(|last| {
            cursor::encode(&SearchCursor {
                created_at: last.created_at,
                seq: last.seq,
                id: last.id.as_uuid(),
            })
        })
    } else {
        None
    };
    view::complete(&client, &votes, user.id, &mut found).await;
    let ids: Vec<Uuid> = found.iter().map(|m| m.conversation_id.as_uuid()).collect();
    let refs = search::conversation_refs(&client, user.id, &ids).await?;
    let stems = search::stems(
        &client,
        &parsed.words_to_stem(found.iter().map(|m| m.content.as_str())),
    )
    .await?;
    let results = found
        .into_iter()
        .filter_map(|message| {
            // The conversation was found with the message a moment ago; if it is gone since,
            // so is the result.
            let conversation = refs.get(&message.conversation_id).cloned()?;
            Some(SearchResult {
                highlights: highlights(&message.content, &parsed, &stems),
                message,
                conversation,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(SearchBody {
        results,
        next_cursor,
    }))
}
