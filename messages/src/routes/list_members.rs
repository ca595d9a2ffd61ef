//! `GET /api/messages/conversations/{id}/members`: a page of a group's members.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use serde::{Deserialize, Serialize};
use shared::auth::CurrentUser;
use shared::chat::Peer;
use shared::events::{ConversationKind, Role};
use shared::http::cursor;
use shared::ids::ConversationId;

use crate::domain::{MemberCursor, PageSize};
use crate::error::MessagesError;
use crate::repository::conversations;

/// `?limit=&cursor=` as sent.
#[derive(Deserialize)]
pub struct Query {
    limit: Option<String>,
    cursor: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Member {
    user: Peer,
    role: Role,
    joined_at: DateTime<Utc>,
    last_read_seq: i64,
    last_delivered_seq: i64,
}

/// Owner first, then admins, then members, each by username; for members only.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn list(
    user: CurrentUser,
    path: web::Path<ConversationId>,
    query: web::Query<Query>,
    db: web::Data<Pool>,
) -> Result<HttpResponse, MessagesError> {
    let id = path.into_inner();
    let client = db.get().await?;
    let conversation = conversations::get_for(&client, id, user.id)
        .await?
        .ok_or(MessagesError::NotFound)?;
    if conversation.kind != ConversationKind::Group {
        return Err(MessagesError::NotAGroup);
    }
    let query = query.into_inner();
    let limit = PageSize::parse_param(query.limit.as_deref())
        .map_err(|e| MessagesError::field("limit", e))?;
    let after = cursor::parse_param::<MemberCursor>(query.cursor.as_deref())
        .map_err(|e| MessagesError::field("cursor", e))?;
    let mut rows = conversations::members_page(&client, id, after.as_ref(), limit).await?;
    let next_cursor = if rows.len() as i64 > limit.as_i64() {
        rows.truncate(usize::from(limit.get()));
        rows.last().map(|last| {
            cursor::encode(&MemberCursor {
                rank: conversations::role_rank(last.role),
                username_lower: last.username.to_lowercase(),
                id: last.user_id,
            })
        })
    } else {
        None
    };
    let members: Vec<Member> = rows
        .into_iter()
        .map(|row| Member {
            user: Peer {
                id: row.user_id,
                username: row.username,
            },
            role: row.role,
            joined_at: row.joined_at,
            last_read_seq: row.last_read_seq,
            last_delivered_seq: row.last_delivered_seq,
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "members": members,
        "nextCursor": next_cursor,
    })))
}
