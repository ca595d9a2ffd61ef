//! `POST /api/messages/attachments?filename=NAME`: a file as the raw body, streamed to disk and
//! checked (see [`crate::attachments`]); 201 `{attachment}`, pending until a send uses it.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use deadpool_postgres::Pool;
use serde::Deserialize;
use shared::auth::CurrentUser;

use crate::attachments::Attachments;
use crate::domain::attachment::Filename;
use crate::error::MessagesError;

#[derive(Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    filename: String,
}

/// Receives one file. The name is the client's, made safe; the type is sniffed from the bytes.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn upload(
    user: CurrentUser,
    request: HttpRequest,
    query: web::Query<UploadQuery>,
    body: web::Payload,
    db: web::Data<Pool>,
    attachments: web::Data<Attachments>,
) -> Result<HttpResponse, MessagesError> {
    let declared_length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let attachment = attachments
        .receive(
            &db,
            user.id,
            Filename::sanitize(&query.filename),
            declared_length,
            body,
        )
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "attachment": attachment })))
}
