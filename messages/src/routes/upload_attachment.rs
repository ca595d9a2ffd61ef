//! `POST /api/messages/attachments?filename=NAME`: a file as the raw body, or as the part
//! `file` of a `multipart/form-data` body, streamed to disk and checked (see
//! [`crate::attachments`]); 201 `{attachment}`, pending until a send uses it.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use deadpool_postgres::Pool;
use futures_util::StreamExt;
use serde::Deserialize;
use shared::auth::CurrentUser;

use crate::attachments::Attachments;
use crate::domain::attachment::Filename;
use crate::error::MessagesError;
use crate::limits::{Costly, Throttle};

#[derive(Deserialize)]
pub struct UploadQuery {
    filename: Option<String>,
}

/// Receives one file. The name is the client's (the query's, else the part's), made safe; the
/// type is sniffed from the bytes.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn upload(
    user: CurrentUser,
    request: HttpRequest,
    query: web::Query<UploadQuery>,
    body: web::Payload,
    db: web::Data<Pool>,
    attachments: web::Data<Attachments>,
    throttle: web::Data<Throttle>,
) -> Result<HttpResponse, MessagesError> {
    throttle.take(Costly::Upload, user.id).await?;
    let query = query.into_inner();
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().starts_with("multipart/form-data"));
    let attachment = if multipart {
        let mut parts = Multipart::new(request.headers(), body);
        let field = loop {
            match parts.next().await {
                Some(Ok(field)) if field.name() == Some("file") => break field,
                // Other parts are skipped (read to their end, so the next one can start).
                Some(Ok(mut other)) => while other.next().await.is_some() {},
                Some(Err(e)) => {
                    tracing::info!(error = %e, "a malformed multipart upload");
                    return Err(MessagesError::field(
                        "file",
                        "The multipart body is malformed.",
                    ));
                }
                None => {
                    return Err(MessagesError::field(
                        "file",
                        "Send the file in a part named file.",
                    ));
                }
            }
        };
        let name = query.filename.clone().unwrap_or_else(|| {
            field
                .content_disposition()
                .and_then(|disposition| disposition.get_filename())
                .unwrap_or_default()
                .to_owned()
        });
        attachments
            .receive(&db, user.id, Filename::sanitize(&name), None, field)
            .await?
    } else {
        let declared_length = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        let name = query.filename.unwrap_or_default();
        attachments
            .receive(
                &db,
                user.id,
                Filename::sanitize(&name),
                declared_length,
                body,
            )
            .await?
    };
    Ok(HttpResponse::Created().json(serde_json::json!({ "attachment": attachment })))
}
