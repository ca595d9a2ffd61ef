//! `GET /api/users`: a page of the directory, everyone but the caller.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, web};
use shared::auth::CurrentUser;
use shared::http::ApiError;

use crate::directory::Directory;
use crate::domain::{ListParams, ListQuery};
use crate::error::UsersError;

/// `?sort=status|username&direction=asc|desc&q=PREFIX&limit=&cursor=` →
/// `{users: [{id, username, status, lastSeenAt}], nextCursor}`.
#[tracing::instrument(skip_all, fields(caller = %caller.id))]
pub async fn list_users(
    caller: CurrentUser,
    params: web::Query<ListParams>,
    directory: web::Data<Directory>,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::parse(&params).map_err(UsersError::InvalidFields)?;
    let body = directory.list(caller.id, &query).await?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        // Per caller, and stale as soon as anyone's presence changes.
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(body))
}
