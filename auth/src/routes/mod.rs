//! auth's HTTP routes, one file per endpoint.

use actix_web::web;

/// Registers every route of auth.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/auth/version", shared::http::version("auth"));
}
