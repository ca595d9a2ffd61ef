//! The checks before a WebSocket upgrade, the upgrade itself, and frames as text.

use std::future::Future;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use bytestring::ByteString;
use serde::Serialize;

use super::connection::{abandon, refuse_over_limit};
use super::{FrameHandler, SocketServices, serve};

use crate::auth::{Authenticator, CurrentUser};
use crate::http::{AllowedOrigins, ApiError, ErrorCode};

/// The signed-in user of an upgrade request, or the refusal: 403 for a foreign `Origin`
/// (cross-site WebSocket hijacking: the browser would send our cookies), 401 without a valid,
/// unrevoked session. Identity comes only from the cookie, never from the URL.
pub async fn upgrade(req: &HttpRequest) -> Result<CurrentUser, ApiError> {
    authenticator(req)?.authenticate(req).await
}

/// The request's authenticator, once its `Origin` is allowed.
fn authenticator(req: &HttpRequest) -> Result<&Authenticator, ApiError> {
    let permitted = req
        .app_data::<web::Data<AllowedOrigins>>()
        .is_none_or(|allowed| allowed.permits(req.headers()));
    if !permitted {
        return Err(ApiError::new(
            ErrorCode::ForbiddenOrigin,
            "This socket was opened from a site that is not allowed.",
        ));
    }
    req.app_data::<web::Data<Authenticator>>()
        .map(|data| data.get_ref())
        .ok_or_else(|| ApiError::internal(&anyhow::anyhow!("Authenticator is not registered")))
}

/// Upgrades a signed-in, same-origin request (see [`upgrade`]) and serves the socket on this
/// worker with the handler that `handler_for` makes for its user. `handler_for` may wait (to
/// start receiving the user's deliveries, say) before the upgrade is answered, so that nothing
/// stored after the client sees the socket open can pass it by.
pub async fn accept<H, F, Fut>(
    req: &HttpRequest,
    body: web::Payload,
    services: Arc<SocketServices>,
    handler_for: F,
) -> Result<HttpResponse, ApiError>
where
    H: FrameHandler,
    F: FnOnce(CurrentUser) -> Fut,
    Fut: Future<Output = H>,
{
    let user = upgrade(req).await?;
    let (response, session, stream) = actix_ws::handle(req, body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidField,
            format!("Not a WebSocket upgrade: {e}."),
        )
    })?;
    // Registered before the upgrade is answered, not in the task that serves it (which may run
    // later): a sign-out that reaches this node the moment after the client sees the socket
    // open closes its session's sockets through the hub, and must find this one there. And
    // before the handler is made, so that a socket over the limit costs no handler (nor the
    // deliveries it would start receiving).
    let Some(registration) = services.hub.register(
        user.id,
        &user.username,
        user.session_id,
        services.limits.sockets_per_user,
    ) else {
        actix_web::rt::spawn(refuse_over_limit(user, session));
        return Ok(response);
    };
    let handler = handler_for(user.clone()).await;
    // A sign-out handled between the session check above and the registration found no
    // socket to close; auth lists a session as revoked before it announces the sign-out, so
    // asking again now catches it, and the client never sees this socket open.
    if let Err(refused) = authenticator(req)?.still_valid(user.session_id).await {
        abandon(user, registration, &services, handler).await;
        return Err(refused);
    }
    actix_web::rt::spawn(serve(
        user,
        registration,
        session,
        stream,
        services,
        handler,
    ));
    Ok(response)
}

/// A server frame as text, serialised once and ready to send to any number of sockets.
pub fn frame_text<T: Serialize>(frame: &T) -> ByteString {
    serde_json::to_string(frame)
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot serialise a frame");
            String::new()
        })
        .into()
}

/// The longest `requestId` a client frame may carry.
pub const MAX_REQUEST_ID_CHARS: usize = 64;

/// A client frame's `requestId`, which an `error` answering it echoes: a string of at most 64
/// characters (anything else is not echoed).
pub fn request_id(frame: &serde_json::Value) -> Option<&str> {
    frame
        .get("requestId")
        .and_then(serde_json::Value::as_str)
        .filter(|id| id.chars().count() <= MAX_REQUEST_ID_CHARS)
}
