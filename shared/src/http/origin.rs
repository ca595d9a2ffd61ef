//! Cross-site request forgery and cross-site WebSocket hijacking defence.
//!
//! Cookies authenticate every request, so a page on another site could make the browser send
//! them. The contract's rule: a state-changing request whose `Origin` (or, failing that,
//! `Referer`) is present and not one of ours gets 403, and a WebSocket upgrade from a foreign
//! origin is refused. Requests with neither header (curl, server-to-server) pass: browsers always
//! send `Origin` on cross-site POSTs and upgrades.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Next;
use actix_web::web;

use super::{ApiError, ErrorCode};

/// The origins (`scheme://host[:port]`) our frontend is served from.
#[derive(Clone, Debug)]
pub struct AllowedOrigins(Arc<[String]>);

impl AllowedOrigins {
    /// From the configured list; entries are compared exactly, without a trailing slash.
    pub fn new(origins: &[String]) -> Self {
        Self(
            origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_owned())
                .collect(),
        )
    }

    /// False when the request names a foreign origin; true when it names ours or none.
    pub fn permits(&self, headers: &HeaderMap) -> bool {
        let claimed = headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| {
                headers
                    .get(header::REFERER)
                    .and_then(|v| v.to_str().ok())
                    .map(origin_of)
            });
        match claimed {
            None => true,
            Some(origin) => self.0.contains(&origin),
        }
    }
}

/// `https://chat.example/a/b?c` → `https://chat.example`.
fn origin_of(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    url[..scheme_end + 3 + host_end].to_owned()
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Middleware (`actix_web::middleware::from_fn`) answering 403 to foreign state-changing requests.
/// Needs `web::Data<AllowedOrigins>` in the app.
pub async fn reject_foreign_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if changes_state(req.method()) {
        let permitted = req
            .app_data::<web::Data<AllowedOrigins>>()
            .is_none_or(|allowed| allowed.permits(req.headers()));
        if !permitted {
            return Err(ApiError::new(
                ErrorCode::ForbiddenOrigin,
                "This request came from a site that is not allowed.",
            )
            .into());
        }
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    fn allowed() -> AllowedOrigins {
        AllowedOrigins::new(&["http://localhost:8080/".to_owned()])
    }

    fn headers(name: header::HeaderName, value: &'static str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(name, HeaderValue::from_static(value));
        map
    }

    #[test]
    fn our_origin_and_no_origin_pass() {
        assert!(allowed().permits(&headers(header::ORIGIN, "http://localhost:8080")));
        assert!(allowed().permits(&HeaderMap::new()));
    }

    #[test]
    fn a_foreign_origin_or_referer_is_refused() {
        assert!(!allowed().permits(&headers(header::ORIGIN, "https://evil.example")));
        assert!(!allowed().permits(&headers(
            header::ORIGIN,
            "http://localhost:8080.evil.example"
        )));
        assert!(!allowed().permits(&headers(header::REFERER, "https://evil.example/page")));
        assert!(allowed().permits(&headers(header::REFERER, "http://localhost:8080/chat?x=1")));
    }
}
