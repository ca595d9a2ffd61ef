//! The checks before a WebSocket upgrade, the upgrade itself, and frames as text.
//!
//! A socket service's server hands every upgrade request to [`Upgrades`] before actix-web
//! routes it (actix-http's upgrade hook), so that the socket runs on the bare TCP stream
//! ([`super::wire`]) instead of under an HTTP dispatcher that would keep two 8 KiB buffers for
//! the connection's whole life. The checks are the same as for any route: the origin, the
//! session, then the handshake.

use std::future::Future;
use std::io;
use std::sync::Arc;

use actix_http::body::{BodySize, MessageBody};
use actix_http::h1;
use actix_http::header::HeaderMap;
use actix_http::{ConnectionType, HttpMessage, Request, Response, ResponseBuilder, ws};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use bytes::BytesMut;
use bytestring::ByteString;
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_util::codec::Encoder;
use tokio_util::task::TaskTracker;

use super::connection::{abandon, refuse_over_limit, serve};
use super::wire::Wire;
use super::{FrameHandler, Registration, SocketServices};

use crate::auth::{Authenticator, CurrentUser};
use crate::http::{AllowedOrigins, ApiError, ErrorCode};

/// The connection as actix-http hands it over for an upgrade.
pub type Upgraded = actix_codec::Framed<TcpStream, h1::Codec>;

/// A service's WebSocket: where it is, what it shares with its connections, and the frame
/// handler each connection gets.
pub trait SocketEndpoint: 'static {
    /// The protocol on top of the plumbing.
    type Handler: FrameHandler;
    /// The socket's path, e.g. `/ws/chat`.
    const PATH: &'static str;
    /// What every connection needs from the service.
    fn services(&self) -> &Arc<SocketServices>;
    /// The handler for a new connection of `user`. It may wait (to start receiving the user's
    /// deliveries, say) before the upgrade is answered, so that nothing stored after the client
    /// sees the socket open can pass it by.
    fn handler_for(&self, user: &CurrentUser) -> impl Future<Output = Self::Handler>;
}

/// An upgraded socket, ready to serve.
struct Opened<H> {
    user: CurrentUser,
    registration: Registration,
    wire: Wire,
    services: Arc<SocketServices>,
    handler: H,
}

/// The upgrade requests of one socket service, shared by its connections.
pub struct Upgrades<E> {
    endpoint: E,
    authenticator: Authenticator,
    origins: AllowedOrigins,
    sockets: TaskTracker,
}

impl<E: SocketEndpoint> Upgrades<E> {
    /// For `endpoint`, with the service's session checks and allowed origins; each open socket
    /// is a task of `sockets`.
    pub fn new(
        endpoint: E,
        authenticator: Authenticator,
        origins: AllowedOrigins,
        sockets: TaskTracker,
    ) -> Self {
        Self {
            endpoint,
            authenticator,
            origins,
            sockets,
        }
    }

    /// Answers an upgrade request and, once upgraded, starts serving the socket in a task of
    /// its own.
    ///
    /// The checks and the handshake run here, in the HTTP connection's task; once the socket
    /// is open that task ends, and with it the dispatcher's state and the checks' futures
    /// (Redis, the broker), larger than the socket's whole loop: an idle socket's task holds
    /// only what serving it needs. A stop waits for `sockets` (they close with 1001), since the
    /// server no longer counts them as its connections.
    pub async fn accept(self: Arc<Self>, req: Request, upgraded: Upgraded) {
        // Counted from the request on, not from the spawn: a stop that comes while the client
        // already holds the answer, before the socket's task exists, must wait for that task
        // (which closes with 1001) instead of finding nothing to wait for and dropping the
        // connection with the server.
        let _counted = self.sockets.token();
        match self.answer(req, upgraded).await {
            Ok(Some(opened)) => {
                // The socket's stream belongs to this worker's runtime: a local task.
                self.sockets.spawn_local(serve(
                    opened.user,
                    opened.registration,
                    opened.wire,
                    opened.services,
                    opened.handler,
                ));
            }
            Ok(None) => {}
            // The client went away while it was being answered.
            Err(e) => tracing::debug!(error = %e, "socket upgrade not answered"),
        }
    }

    /// Answers an upgrade request: the socket to serve, or `None` if it was refused.
    async fn answer(
        &self,
        req: Request,
        upgraded: Upgraded,
    ) -> io::Result<Option<Opened<E::Handler>>> {
        let opened = self.open(&req).await;
        let (user, response) = match opened {
            Ok(opened) => opened,
            Err(refused) => {
                tracing::info!(path = %req.path(), code = ?refused.code(), "socket upgrade refused");
                answer_error(upgraded, &refused).await?;
                return Ok(None);
            }
        };
        // The request's headers are not needed any more; the socket may live for days.
        drop(req);
        let services = self.endpoint.services().clone();
        let max_message = services.limits.max_frame_bytes;
        // Registered before the upgrade is answered: a sign-out that reaches this node the
        // moment after the client sees the socket open closes its session's sockets through
        // the hub, and must find this one there. And before the handler is made, so that a
        // socket over the limit costs no handler (nor the deliveries it would start receiving).
        let Some(registration) = services.hub.register(
            user.id,
            &user.username,
            user.session_id,
            services.limits.sockets_per_user,
        ) else {
            let wire = answer_upgrade(upgraded, response, max_message).await?;
            refuse_over_limit(user, wire).await;
            return Ok(None);
        };
        let handler = self.endpoint.handler_for(&user).await;
        // A sign-out handled between the session check above and the registration found no
        // socket to close; auth lists a session as revoked before it announces the sign-out, so
        // asking again now catches it, and the client never sees this socket open.
        if let Err(refused) = self.authenticator.still_valid(user.session_id).await {
            abandon(user, registration, &services, handler).await;
            answer_error(upgraded, &refused).await?;
            return Ok(None);
        }
        match answer_upgrade(upgraded, response, max_message).await {
            Ok(wire) => Ok(Some(Opened {
                user,
                registration,
                wire,
                services,
                handler,
            })),
            Err(e) => {
                abandon(user, registration, &services, handler).await;
                Err(e)
            }
        }
    }

    /// The signed-in user of an upgrade request to the socket's path, and the handshake's
    /// answer; or the refusal.
    async fn open(&self, req: &Request) -> Result<(CurrentUser, ResponseBuilder), ApiError> {
        if req.path() != E::PATH {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("Upgrades are offered only at {}.", E::PATH),
            ));
        }
        let user = check(&self.origins, &self.authenticator, req.headers()).await?;
        let response = ws::handshake(req.head()).map_err(|e| not_an_upgrade(&e))?;
        Ok((user, response))
    }
}

/// The signed-in user of a request's `headers`, or the refusal: 403 for a foreign `Origin`
/// (cross-site WebSocket hijacking: the browser would send our cookies), 401 without a valid,
/// unrevoked session. Identity comes only from the cookie, never from the URL.
async fn check(
    origins: &AllowedOrigins,
    authenticator: &Authenticator,
    headers: &HeaderMap,
) -> Result<CurrentUser, ApiError> {
    if !origins.permits(headers) {
        return Err(ApiError::new(
            ErrorCode::ForbiddenOrigin,
            "This socket was opened from a site that is not allowed.",
        ));
    }
    authenticator.authenticate_headers(headers).await
}

fn not_an_upgrade(e: &impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidField,
        format!("Not a WebSocket upgrade: {e}."),
    )
}

/// `GET` on a socket's path without the upgrade headers: signed in (the origin is checked by
/// the middleware every route has), then 400. A client learns it is signed out before it
/// learns how to ask.
pub async fn refuse_plain(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    req.app_data::<web::Data<Authenticator>>()
        .ok_or_else(|| ApiError::internal(&anyhow::anyhow!("Authenticator is not registered")))?
        .authenticate(&req)
        .await?;
    Err(not_an_upgrade(&"no upgrade was asked for"))
}

/// Writes the handshake's answer, and hands over the stream with what the client sent after
/// its request (copied: the dispatcher's 8 KiB read buffer is let go with the rest).
async fn answer_upgrade(
    upgraded: Upgraded,
    mut response: ResponseBuilder,
    max_message: usize,
) -> io::Result<Wire> {
    let parts = upgraded.into_parts();
    let mut codec = parts.codec;
    let mut io = parts.io;
    let mut head = BytesMut::new();
    codec
        .encode(
            h1::Message::Item((response.finish().drop_body(), BodySize::None)),
            &mut head,
        )
        .map_err(io::Error::other)?;
    io.write_all(&head).await?;
    let early = BytesMut::from(&parts.read_buf[..]);
    Ok(Wire::new(io, early, max_message))
}

/// Writes a refusal (the contract's JSON error) and closes the connection.
async fn answer_error(upgraded: Upgraded, refused: &ApiError) -> io::Result<()> {
    let parts = upgraded.into_parts();
    let mut codec = parts.codec;
    let mut io = parts.io;
    let response: Response<_> = refused.error_response().into();
    let (mut head, body) = response.into_parts();
    head.head_mut().set_connection_type(ConnectionType::Close);
    let body = body.try_into_bytes().unwrap_or_default();
    let mut out = BytesMut::new();
    codec
        .encode(
            h1::Message::Item((head.drop_body(), BodySize::Sized(body.len() as u64))),
            &mut out,
        )
        .and_then(|()| codec.encode(h1::Message::Chunk(Some(body)), &mut out))
        .and_then(|()| codec.encode(h1::Message::Chunk(None), &mut out))
        .map_err(io::Error::other)?;
    io.write_all(&out).await?;
    io.shutdown().await
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
