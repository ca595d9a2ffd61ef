//! `GET /api/messages/messages/{id}/revisions`: a message's earlier versions, oldest first.

use actix_web::{HttpResponse, web};
use deadpool_postgres::Pool;
use serde::Serialize;
use shared::auth::CurrentUser;
use shared::ids::MessageId;

use crate::error::MessagesError;
use crate::repository::messages;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Revision {
    content: String,
    edited_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The original first (its `editedAt` null), then each later version until the current one
/// (the latest 100); for members of the message's conversation, 404 for anyone else.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn revisions(
    user: CurrentUser,
    path: web::Path<MessageId>,
    db: web::Data<Pool>,
) -> Result<HttpResponse, MessagesError> {
    let message = path.into_inner();
    let client = db.get().await?;
    super::conversation_of_message_for(&client, message, user.id).await?;
    let revisions: Vec<Revision> = messages::revisions(&client, message)
        .await?
        .into_iter()
        .map(|r| Revision {
            content: r.content,
            edited_at: r.edited_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "revisions": revisions })))
}
