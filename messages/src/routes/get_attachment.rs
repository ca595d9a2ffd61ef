//! `GET /api/messages/attachments/{id}` and `.../{id}/thumbnail`: the bytes, to members of the
//! conversation the attachment was sent in and to its uploader while it is pending; 404 for
//! anyone else, exactly as for one that does not exist. Served so that no browser runs it:
//! only the four raster image types inline with their own type, everything else an
//! `application/octet-stream` download, with `nosniff` and a sandboxing CSP; private caching,
//! an ETag and Range requests.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use deadpool_postgres::Pool;
use shared::auth::CurrentUser;
use shared::ids::AttachmentId;

use crate::attachments::Attachments;
use crate::domain::attachment::{ByteRange, matches_etag, serving_headers};
use crate::error::MessagesError;
use crate::repository::attachments::{self as repository, Stored};
use crate::repository::conversations;
use crate::storage::StorageKey;

/// The file itself.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn file(
    user: CurrentUser,
    path: web::Path<AttachmentId>,
    request: HttpRequest,
    db: web::Data<Pool>,
    attachments: web::Data<Attachments>,
) -> Result<HttpResponse, MessagesError> {
    let stored = visible(&db, user, path.into_inner()).await?;
    let (content_type, disposition) =
        serving_headers(&stored.attachment.content_type, &stored.attachment.filename);
    let length = u64::try_from(stored.attachment.size).unwrap_or(0);
    let object = Object {
        key: &stored.key,
        length,
        etag: format!("\"{}\"", stored.attachment.id),
        content_type,
        disposition,
    };
    serve(&attachments, &request, object).await
}

/// Its thumbnail (images only).
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn thumbnail(
    user: CurrentUser,
    path: web::Path<AttachmentId>,
    request: HttpRequest,
    db: web::Data<Pool>,
    attachments: web::Data<Attachments>,
) -> Result<HttpResponse, MessagesError> {
    let stored = visible(&db, user, path.into_inner()).await?;
    let Some((key, kind)) = &stored.thumbnail else {
        return Err(MessagesError::NotFound);
    };
    let (content_type, disposition) = serving_headers(kind, "thumbnail");
    let length = match attachments.storage.size(key).await {
        Ok(length) => length,
        Err(object_store::Error::NotFound { .. }) => return Err(MessagesError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let object = Object {
        key,
        length,
        etag: format!("\"{}-thumbnail\"", stored.attachment.id),
        content_type,
        disposition,
    };
    serve(&attachments, &request, object).await
}

/// The attachment if `user` may see it: a member of the conversation it was sent in, or its
/// uploader while it is pending.
async fn visible(db: &Pool, user: CurrentUser, id: AttachmentId) -> Result<Stored, MessagesError> {
    let client = db.get().await?;
    let stored = repository::find(&client, id)
        .await?
        .ok_or(MessagesError::NotFound)?;
    let allowed = if stored.pending {
        stored.uploader == user.id
    } else {
        match stored.conversation {
            Some(conversation) => conversations::is_member(&client, conversation, user.id).await?,
            None => false,
        }
    };
    if allowed {
        Ok(stored)
    } else {
        Err(MessagesError::NotFound)
    }
}

/// One stored object about to be answered with.
struct Object<'a> {
    key: &'a StorageKey,
    length: u64,
    etag: String,
    content_type: &'static str,
    disposition: String,
}

async fn serve(
    attachments: &Attachments,
    request: &HttpRequest,
    object: Object<'_>,
) -> Result<HttpResponse, MessagesError> {
    let headers = request.headers();
    let header_text = |name| {
        headers
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
    };
    let with_common = |status| {
        let mut response = HttpResponseBuilder::new(status);
        response
            .insert_header((header::ETAG, object.etag.clone()))
            .insert_header((header::CACHE_CONTROL, "private"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
            .insert_header((header::ACCEPT_RANGES, "bytes"));
        response
    };
    if header_text(header::IF_NONE_MATCH).is_some_and(|tags| matches_etag(tags, &object.etag)) {
        return Ok(with_common(StatusCode::NOT_MODIFIED).finish());
    }
    let (status, range) = match ByteRange::parse(header_text(header::RANGE), object.length) {
        ByteRange::Whole => (StatusCode::OK, None),
        ByteRange::Part(range) => (StatusCode::PARTIAL_CONTENT, Some(range)),
        ByteRange::Unsatisfiable => {
            return Ok(with_common(StatusCode::RANGE_NOT_SATISFIABLE)
                .insert_header((header::CONTENT_RANGE, format!("bytes */{}", object.length)))
                .finish());
        }
    };
    // An empty object has nothing to ask the store for.
    if object.length == 0 {
        return Ok(with_common(status)
            .insert_header((header::CONTENT_TYPE, object.content_type))
            .insert_header((header::CONTENT_DISPOSITION, object.disposition))
            .finish());
    }
    let download = match attachments.storage.get(object.key, range.clone()).await {
        Ok(download) => download,
        // Its row says it exists but the store has lost it: as good as gone.
        Err(object_store::Error::NotFound { .. }) => {
            tracing::warn!(
                key = object.key.as_str(),
                "an attachment's object is missing"
            );
            return Err(MessagesError::NotFound);
        }
        Err(e) => return Err(e.into()),
    };
    let mut response = with_common(status);
    response
        .insert_header((header::CONTENT_TYPE, object.content_type))
        .insert_header((header::CONTENT_DISPOSITION, object.disposition));
    if let Some(range) = range {
        response.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {}-{}/{}", range.start, range.end - 1, object.length),
        ));
    }
    Ok(response
        .no_chunking(download.length)
        .streaming(download.body))
}
