//! users's HTTP routes, one file per endpoint.

use actix_web::web;

/// Registers every route of users.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/users/version", shared::http::version("users"));
}
