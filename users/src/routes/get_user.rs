//! `GET /api/users/{id}`: one user of the directory.

use actix_web::{HttpResponse, web};
use shared::auth::CurrentUser;
use shared::http::ApiError;
use shared::ids::UserId;

use crate::directory::Directory;

/// `{id, username, status, lastSeenAt}`, or 404 `not_found` (also for an id that is not a UUID:
/// the shared path configuration answers that).
#[tracing::instrument(skip_all, fields(caller = %caller.id, user_id = %id))]
pub async fn get_user(
    caller: CurrentUser,
    id: web::Path<UserId>,
    directory: web::Data<Directory>,
) -> Result<HttpResponse, ApiError> {
    let profile = directory.get(id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(profile))
}
