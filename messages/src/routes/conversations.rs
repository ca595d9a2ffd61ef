//! `GET /api/messages/conversations`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use serde::{Deserialize, Serialize};
use shared::auth::CurrentUser;
use shared::events::ChatMessage;
use shared::http::cursor;
use shared::ids::{ConversationId, UserId};

use crate::domain::{PageCursor, PageSize};
use crate::error::MessagesError;
use crate::repository::conversations;

#[derive(Deserialize)]
pub struct Query {
    limit: Option<String>,
    cursor: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    conversations: Vec<Item>,
    next_cursor: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    id: ConversationId,
    peer: Peer,
    last_message: Option<ChatMessage>,
    unread_count: i64,
    last_read_seq: i64,
    peer_last_read_seq: i64,
    updated_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct Peer {
    id: UserId,
    username: String,
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
    let mut rows = conversations::list_for(&client, user.id, cursor, limit).await?;
    let next_cursor = if rows.len() as i64 > limit.as_i64() {
        rows.truncate(usize::from(limit.get()));
        rows.last().map(|last| {
            cursor::encode(&PageCursor {
                updated_at: last.updated_at,
                id: last.id.as_uuid(),
            })
        })
    } else {
        None
    };
    let conversations = rows
        .into_iter()
        .map(|row| Item {
            id: row.id,
            peer: Peer {
                id: row.peer_id,
                username: row.peer_username,
            },
            last_message: row.last_message,
            unread_count: row.unread_count,
            last_read_seq: row.last_read_seq,
            peer_last_read_seq: row.peer_last_read_seq,
            updated_at: row.updated_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(Body {
        conversations,
        next_cursor,
    }))
}
