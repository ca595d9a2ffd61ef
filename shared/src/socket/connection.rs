//! One WebSocket connection's life, from registration to close.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_ws::{AggregatedMessage, CloseCode, CloseReason, ProtocolError};
use bytestring::ByteString;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::close_code;
use super::hub::{ConnectionHub, ConnectionId, Outbound, Registration};
use super::presence::Presence;
use crate::auth::CurrentUser;
use crate::config::{self, ConfigError};
use crate::http::ErrorCode;

/// The limits of the contract, configurable for tests.
#[derive(Clone, Copy, Debug)]
pub struct SocketLimits {
    /// A larger frame (or message, once continuations are joined) closes the socket with 1009.
    pub max_frame_bytes: usize,
    /// The server pings this often.
    pub ping_interval: Duration,
    /// A client heard nothing from for this long is dropped.
    pub idle_timeout: Duration,
    /// Frames that may wait for a slow client before it is disconnected.
    pub send_queue: usize,
    /// Sockets one user may hold on one node at once (`MAX_SOCKETS_PER_USER`); the next is
    /// closed at once with 4029.
    pub sockets_per_user: usize,
}

impl Default for SocketLimits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 64 * 1024,
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            send_queue: 256,
            sockets_per_user: 20,
        }
    }
}

impl SocketLimits {
    /// The defaults, with what the environment sets.
    pub fn from_env() -> Result<Self, ConfigError> {
        let default = Self::default();
        Ok(Self {
            sockets_per_user: config::var("MAX_SOCKETS_PER_USER", default.sockets_per_user)?.max(1),
            ..default
        })
    }
}

/// What a frame handler knows about the connection it serves.
pub struct ConnectionContext {
    /// Who is connected (from the verified cookie).
    pub user: CurrentUser,
    /// This connection, on this node.
    pub id: ConnectionId,
    hub: ConnectionHub,
}

impl ConnectionContext {
    /// Queues a frame for this connection only.
    pub fn reply(&self, frame: ByteString) -> bool {
        self.hub.send_to_connection(self.user.id, self.id, frame)
    }

    /// Queues a JSON frame for this connection only.
    pub fn reply_json<T: Serialize>(&self, frame: &T) -> bool {
        match serde_json::to_string(frame) {
            Ok(text) => self.reply(text.into()),
            Err(e) => {
                tracing::error!(error = %e, "cannot serialise a frame");
                false
            }
        }
    }

    /// Queues the contract's `error` frame, echoing the send's `clientMsgId` and the frame's
    /// `requestId` when it had them.
    pub fn reply_error(&self, code: ErrorCode, message: &str, echo: Echo<'_>) -> bool {
        self.reply_json(&ErrorFrame::new(code, message, echo))
    }

    /// The hub, to reach the user's other connections.
    pub fn hub(&self) -> &ConnectionHub {
        &self.hub
    }
}

/// What an `error` frame echoes of the frame it answers.
#[derive(Clone, Copy, Debug, Default)]
pub struct Echo<'a> {
    /// The send's `clientMsgId`.
    pub client_msg_id: Option<&'a str>,
    /// The frame's `requestId`.
    pub request_id: Option<&'a str>,
}

/// `{type: "error", code, message, clientMsgId?, requestId?}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    code: ErrorCode,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_msg_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

impl<'a> ErrorFrame<'a> {
    /// An `error` frame.
    pub fn new(code: ErrorCode, message: &'a str, echo: Echo<'a>) -> Self {
        Self {
            kind: "error",
            code,
            message,
            client_msg_id: echo.client_msg_id,
            request_id: echo.request_id,
        }
    }
}

/// A service's protocol on top of the plumbing. Its futures run on the connection's own task
/// (actix's socket stream is not `Send`), so they need not be `Send`.
pub trait FrameHandler: 'static {
    /// A connection opened; `first_on_node` if it is the user's first on this node.
    fn on_open(&self, ctx: &ConnectionContext, first_on_node: bool) -> impl Future<Output = ()>;
    /// A text frame arrived (at most `max_frame_bytes`). Answer through `ctx`.
    fn on_text(&self, ctx: &ConnectionContext, text: ByteString) -> impl Future<Output = ()>;
    /// The connection closed; `last_on_node` if the user has no other on this node.
    fn on_close(&self, ctx: &ConnectionContext, last_on_node: bool) -> impl Future<Output = ()>;
}

/// Everything a connection needs from its service; shared by every worker thread.
#[derive(Clone)]
pub struct SocketServices {
    /// This node's connections.
    pub hub: ConnectionHub,
    /// Who is online.
    pub presence: Presence,
    /// Limits.
    pub limits: SocketLimits,
    /// Cancelled when the service stops.
    pub shutdown: CancellationToken,
}

enum Ending {
    Closed(u16, &'static str),
    /// The client sent a Close frame: answer it, as RFC 6455 asks.
    ClientClosed(Option<CloseReason>),
    ClientLeft,
    Kicked,
}

/// Closes an upgraded connection the hub refused: the user is at the limit of sockets on this
/// node.
pub(super) async fn refuse_over_limit(user: CurrentUser, session: actix_ws::Session) {
    tracing::info!(user = %user.id, "a socket over the user's limit refused");
    let close = session.close(Some(CloseReason {
        code: CloseCode::from(close_code::TOO_MANY_SOCKETS),
        description: Some("too many connections".to_owned()),
    }));
    let _ = tokio::time::timeout(Duration::from_secs(1), close).await;
}

/// Serves one upgraded connection, registered in the hub, until it ends, then unregisters it
/// everywhere.
pub async fn serve<H: FrameHandler>(
    user: CurrentUser,
    registration: Registration,
    session: actix_ws::Session,
    stream: actix_ws::MessageStream,
    services: Arc<SocketServices>,
    handler: H,
) {
    let span = tracing::info_span!("socket", user = %user.id, connection = registration.id);
    let ctx = ConnectionContext {
        user,
        id: registration.id,
        hub: services.hub.clone(),
    };
    run(ctx, registration, session, stream, services, handler)
        .instrument(span)
        .await;
}

/// Gives up a connection registered for an upgrade that is refused after all (its session
/// ended meanwhile): unregistered, and its handler told, as if it had closed before it opened.
pub(super) async fn abandon<H: FrameHandler>(
    user: CurrentUser,
    registration: Registration,
    services: &SocketServices,
    handler: H,
) {
    let last_on_node = services.hub.unregister(user.id, registration.id);
    let ctx = ConnectionContext {
        user,
        id: registration.id,
        hub: services.hub.clone(),
    };
    handler.on_close(&ctx, last_on_node).await;
}

async fn run<H: FrameHandler>(
    ctx: ConnectionContext,
    mut registration: Registration,
    mut session: actix_ws::Session,
    stream: actix_ws::MessageStream,
    services: Arc<SocketServices>,
    handler: H,
) {
    let limits = services.limits;
    services.presence.connected(&ctx.user, ctx.id).await;
    handler.on_open(&ctx, registration.first_on_node).await;

    let mut stream = stream
        .max_frame_size(limits.max_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(limits.max_frame_bytes);
    let expires_at = session_expiry(ctx.user.expires_at);
    let mut ping =
        tokio::time::interval_at(Instant::now() + limits.ping_interval, limits.ping_interval);
    let mut last_heard = Instant::now();

    let ending = loop {
        tokio::select! {
            biased;
            () = services.shutdown.cancelled() => break Ending::Closed(close_code::GOING_AWAY, "server restarting"),
            () = registration.kick.cancelled() => break Ending::Kicked,
            () = tokio::time::sleep_until(expires_at) => break Ending::Closed(close_code::SESSION_ENDED, "session expired"),
            outbound = registration.queue.recv() => match outbound {
                Some(Outbound::Text(text)) => {
                    let sent = tokio::select! {
                        sent = session.text(text) => sent.is_ok(),
                        () = registration.kick.cancelled() => break Ending::Kicked,
                    };
                    if !sent {
                        break Ending::ClientLeft;
                    }
                }
                Some(Outbound::Close(code, reason)) => break Ending::Closed(code, reason),
                None => break Ending::ClientLeft,
            },
            () = registration.latest.ready() => {
                for text in registration.latest.take() {
                    let sent = tokio::select! {
                        sent = session.text(text) => sent.is_ok(),
                        () = registration.kick.cancelled() => break,
                    };
                    if !sent {
                        break;
                    }
                }
                if registration.kick.is_cancelled() {
                    break Ending::Kicked;
                }
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > limits.idle_timeout {
                    break Ending::Closed(close_code::TRY_AGAIN_LATER, "no answer to pings");
                }
                if session.ping(b"").await.is_err() {
                    break Ending::ClientLeft;
                }
            }
            frame = stream.next() => {
                last_heard = Instant::now();
                match frame {
                    Some(Ok(AggregatedMessage::Text(text))) => handler.on_text(&ctx, text).await,
                    Some(Ok(AggregatedMessage::Binary(_))) => {
                        ctx.reply_error(
                            ErrorCode::InvalidJson,
                            "Send text frames of JSON.",
                            Echo::default(),
                        );
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() {
                            break Ending::ClientLeft;
                        }
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {}
                    Some(Ok(AggregatedMessage::Close(reason))) => break Ending::ClientClosed(reason),
                    None => break Ending::ClientLeft,
                    Some(Err(e)) if is_overflow(&e) => break Ending::Closed(close_code::TOO_BIG, "message too large"),
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "protocol error");
                        break Ending::Closed(close_code::PROTOCOL_ERROR, "protocol error");
                    }
                }
            }
        }
    };

    let last_on_node = services.hub.unregister(ctx.user.id, ctx.id);
    handler.on_close(&ctx, last_on_node).await;
    services.presence.disconnected(&ctx.user, ctx.id).await;
    if let Ending::ClientClosed(reason) = ending {
        let _ = tokio::time::timeout(Duration::from_secs(1), session.close(reason)).await;
        return;
    }
    let (code, reason, patience) = match ending {
        Ending::Closed(code, reason) => (code, reason, Duration::from_secs(1)),
        // A client that does not read cannot complete the closing handshake; barely wait.
        Ending::Kicked => (
            close_code::TRY_AGAIN_LATER,
            "too slow",
            Duration::from_millis(100),
        ),
        Ending::ClientLeft | Ending::ClientClosed(_) => return,
    };
    tracing::debug!(code, reason, "closing socket");
    let close = session.close(Some(CloseReason {
        code: CloseCode::from(code),
        description: Some(reason.to_owned()),
    }));
    let _ = tokio::time::timeout(patience, close).await;
}

/// Whether `error` says a message was too large: one frame over the limit (the codec's
/// `Overflow`), or fragments that add up to more. actix-ws reports the latter as an I/O error
/// with only its text to tell it apart (`AggregatedMessageStream`, actix-ws 0.4), so that text
/// is matched here; the fragmented-message tests of both sockets fail if it ever changes.
fn is_overflow(error: &ProtocolError) -> bool {
    const CONTINUATION_OVERFLOW: &str = "Exceeded maximum continuation size";
    match error {
        ProtocolError::Overflow => true,
        ProtocolError::Io(e) => e
            .get_ref()
            .is_some_and(|inner| inner.to_string() == CONTINUATION_OVERFLOW),
        _ => false,
    }
}

/// When a socket opened with a token expiring at `exp` must close (4001): the client refreshes
/// its session and reconnects.
fn session_expiry(exp: i64) -> Instant {
    let remaining = exp - chrono::Utc::now().timestamp();
    Instant::now() + Duration::from_secs(remaining.max(0) as u64)
}
