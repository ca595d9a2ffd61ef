//! users's HTTP routes, one file per endpoint. Each is thin: extract, call the
//! [`crate::directory::Directory`], answer.

mod get_user;
mod list_users;

use actix_web::web;

/// Registers every route of users.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // `version` and `openapi.yaml` before `{id}`, which would otherwise match them (and 404).
    cfg.route("/api/users/version", shared::http::version("users"))
        .route("/api/users/openapi.yaml", shared::http::openapi())
        .route("/api/users", web::get().to(list_users::list_users))
        .route("/api/users/", web::get().to(list_users::list_users))
        .route("/api/users/{id}", web::get().to(get_user::get_user));
}
