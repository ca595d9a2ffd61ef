//! auth's HTTP routes, one file per endpoint.

use actix_web::web;

mod current_user;
mod refresh;
mod session;
mod signin;
mod signout;
mod signout_all;
mod signup;

/// Registers every route of auth.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/auth/version", shared::http::version("auth"))
        .route("/api/auth/openapi.yaml", shared::http::openapi())
        .route("/api/auth/signup", web::post().to(signup::sign_up))
        .route("/api/auth/signin", web::post().to(signin::sign_in))
        .route("/api/auth/refresh", web::post().to(refresh::refresh))
        .route("/api/auth/signout", web::post().to(signout::sign_out))
        .route(
            "/api/auth/signout-all",
            web::post().to(signout_all::sign_out_everywhere),
        )
        .route(
            "/api/auth/currentuser",
            web::get().to(current_user::current_user),
        )
        .route("/api/auth/session", web::get().to(session::session));
}

/// `{user}`, the body of every call that answers with the account.
#[derive(serde::Serialize)]
struct UserBody {
    user: crate::repository::accounts::UserView,
}

fn user_agent(req: &actix_web::HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| &ua[..ua.len().min(256)])
        .filter(|ua| ua.is_char_boundary(ua.len()))
}
