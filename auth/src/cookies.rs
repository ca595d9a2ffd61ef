//! The two session cookies, with the flags the contract requires.

use actix_web::cookie::{Cookie, SameSite, time};
use shared::auth::{ACCESS_TOKEN_TTL, AUTH_COOKIE, REFRESH_COOKIE};

use crate::config::Config;
use crate::domain::RefreshToken;

/// `auth`: readable by every service (`Path=/`); `Lax` so that following a link to the app keeps
/// the user signed in.
pub fn access(token: &str, config: &Config) -> Cookie<'static> {
    Cookie::build(AUTH_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .secure(config.common.cookie_secure)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(ACCESS_TOKEN_TTL.as_secs() as i64))
        .finish()
}

/// `refresh`: sent only to auth (`Path=/api/auth`), and `Strict`: only our own pages ever need to
/// present it.
pub fn refresh(token: &RefreshToken, config: &Config) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, token.as_str().to_owned())
        .path("/api/auth")
        .http_only(true)
        .secure(config.common.cookie_secure)
        .same_site(SameSite::Strict)
        .max_age(time::Duration::seconds(config.refresh_ttl.as_secs() as i64))
        .finish()
}

/// Both cookies, expired.
pub fn cleared(config: &Config) -> [Cookie<'static>; 2] {
    let mut access = access("", config);
    access.make_removal();
    let mut refresh = refresh(&RefreshToken::presented(""), config);
    refresh.make_removal();
    [access, refresh]
}
