//! One WebSocket connection's life, from registration to close.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_http::ws::{CloseCode, CloseReason};
use bytestring::ByteString;
use serde::Serialize;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::close_code;
use super::hub::{ConnectionHub, ConnectionId, Outbound, Registration};
use super::presence::Presence;
use super::wire::{Incoming, Wire, WireError};
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
    /// Frames that may wait for a slow client before it is disconnected, frames delivered
    /// together counting as one (see [`crate::socket::ConnectionHub::round`]).
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

    /// A span naming this connection, for the work of one of its events. Made per event, not
    /// held for the socket's life: a span lives in the subscriber's registry until dropped,
    /// and every idle socket would keep one there.
    fn span(&self) -> tracing::Span {
        tracing::info_span!("socket", user = %self.user.id, connection = self.id)
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

/// How a write to the client went.
enum Sent {
    Done,
    ClientLeft,
    /// The hub gave up on the client (its queue overflowed), or the write stalled for a whole
    /// idle timeout: it does not read.
    Kicked,
}

/// Closes a socket the hub refused: the user is at the limit of sockets on this node.
pub(super) async fn refuse_over_limit(user: CurrentUser, mut wire: Wire) {
    tracing::info!(user = %user.id, "a socket over the user's limit refused");
    let reason = close_reason(close_code::TOO_MANY_SOCKETS, "too many connections");
    let _ = tokio::time::timeout(Duration::from_secs(1), wire.close(Some(reason))).await;
}

/// Serves one upgraded connection, registered in the hub, until it ends, then unregisters it
/// everywhere.
pub(super) async fn serve<H: FrameHandler>(
    user: CurrentUser,
    registration: Registration,
    wire: Wire,
    services: Arc<SocketServices>,
    handler: H,
) {
    let ctx = ConnectionContext {
        user,
        id: registration.id,
        hub: services.hub.clone(),
    };
    run(ctx, registration, wire, services, handler).await;
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

/// Writes what `wire` has queued, unless the hub gives up on the client first or the write
/// stalls for `patience`.
async fn deliver(wire: &mut Wire, kick: &CancellationToken, patience: Duration) -> Sent {
    tokio::select! {
        written = tokio::time::timeout(patience, wire.flush()) => match written {
            Ok(Ok(())) => Sent::Done,
            Ok(Err(_)) => Sent::ClientLeft,
            Err(_) => Sent::Kicked,
        },
        () = kick.cancelled() => Sent::Kicked,
    }
}

async fn run<H: FrameHandler>(
    ctx: ConnectionContext,
    registration: Registration,
    mut wire: Wire,
    services: Arc<SocketServices>,
    handler: H,
) {
    let limits = services.limits;
    // This and the protocol's futures are boxed while they run, so that an idle socket's task
    // is only as large as this loop's own state, not the largest thing a frame can make it do.
    Box::pin(
        services
            .presence
            .connected(&ctx.user, ctx.id)
            .instrument(ctx.span()),
    )
    .await;
    Box::pin(
        handler
            .on_open(&ctx, registration.first_on_node)
            .instrument(ctx.span()),
    )
    .await;

    let expires_at = session_expiry(ctx.user.expires_at);
    let mut ping =
        tokio::time::interval_at(Instant::now() + limits.ping_interval, limits.ping_interval);
    let mut last_heard = Instant::now();
    let kick = registration.kick.clone();

    let ending = loop {
        let sent = tokio::select! {
            biased;
            () = services.shutdown.cancelled() => break Ending::Closed(close_code::GOING_AWAY, "server restarting"),
            () = kick.cancelled() => break Ending::Kicked,
            () = tokio::time::sleep_until(expires_at) => break Ending::Closed(close_code::SESSION_ENDED, "session expired"),
            () = registration.mailbox.ready() => {
                // Whatever is waiting goes out in one write: frames in order, then the latest
                // presence, which may come after the frames queued with it.
                let waiting = registration.mailbox.take();
                let mut closing = None;
                for outbound in waiting.frames {
                    match outbound {
                        Outbound::Text(text) => wire.queue_text(text),
                        Outbound::Close(code, reason) => {
                            closing = Some(Ending::Closed(code, reason));
                            break;
                        }
                    }
                }
                if closing.is_none() {
                    for text in waiting.latest.into_values() {
                        wire.queue_text(text);
                    }
                }
                let sent = deliver(&mut wire, &kick, limits.idle_timeout).await;
                if let (Sent::Done, Some(ending)) = (&sent, closing) {
                    break ending;
                }
                sent
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > limits.idle_timeout {
                    break Ending::Closed(close_code::TRY_AGAIN_LATER, "no answer to pings");
                }
                wire.queue_ping();
                deliver(&mut wire, &kick, limits.idle_timeout).await
            }
            incoming = wire.next() => {
                last_heard = Instant::now();
                match incoming {
                    Some(Ok(Incoming::Text(text))) => {
                        Box::pin(handler.on_text(&ctx, text).instrument(ctx.span())).await;
                        Sent::Done
                    }
                    Some(Ok(Incoming::Binary)) => {
                        ctx.reply_error(
                            ErrorCode::InvalidJson,
                            "Send text frames of JSON.",
                            Echo::default(),
                        );
                        Sent::Done
                    }
                    Some(Ok(Incoming::Ping(payload))) => {
                        wire.queue_pong(payload);
                        deliver(&mut wire, &kick, limits.idle_timeout).await
                    }
                    Some(Ok(Incoming::Pong)) => Sent::Done,
                    Some(Ok(Incoming::Close(reason))) => break Ending::ClientClosed(reason),
                    None => break Ending::ClientLeft,
                    Some(Err(WireError::TooBig)) => break Ending::Closed(close_code::TOO_BIG, "message too large"),
                    Some(Err(WireError::Protocol(e))) => {
                        tracing::debug!(connection = ctx.id, error = %e, "protocol error");
                        break Ending::Closed(close_code::PROTOCOL_ERROR, "protocol error");
                    }
                }
            }
        };
        match sent {
            Sent::Done => {}
            Sent::ClientLeft => break Ending::ClientLeft,
            Sent::Kicked => break Ending::Kicked,
        }
    };

    let last_on_node = services.hub.unregister(ctx.user.id, ctx.id);
    let closing = async {
        handler.on_close(&ctx, last_on_node).await;
        // A node that is stopping leaves its sockets' presence to lapse, as after a crash: its
        // broker connection closes with it, so a removal now would leave `user.offline`
        // unannounced for good, while a lapsed entry is announced by whichever node sweeps
        // next (and a client that reconnects elsewhere meanwhile never appears offline).
        if !services.shutdown.is_cancelled() {
            services.presence.disconnected(&ctx.user, ctx.id).await;
        }
    };
    Box::pin(closing.instrument(ctx.span())).await;
    let (reason, patience) = match ending {
        Ending::ClientClosed(reason) => (reason, Duration::from_secs(1)),
        Ending::Closed(code, reason) => (Some(close_reason(code, reason)), Duration::from_secs(1)),
        // A client that does not read cannot complete the closing handshake; barely wait.
        Ending::Kicked => (
            Some(close_reason(close_code::TRY_AGAIN_LATER, "too slow")),
            Duration::from_millis(100),
        ),
        Ending::ClientLeft => return,
    };
    tracing::debug!(connection = ctx.id, ?reason, "closing socket");
    let _ = tokio::time::timeout(patience, wire.close(reason)).await;
}

fn close_reason(code: u16, description: &str) -> CloseReason {
    CloseReason {
        code: CloseCode::from(code),
        description: Some(description.to_owned()),
    }
}

/// When a socket opened with a token expiring at `exp` must close (4001): the client refreshes
/// its session and reconnects.
fn session_expiry(exp: i64) -> Instant {
    let remaining = exp - chrono::Utc::now().timestamp();
    Instant::now() + Duration::from_secs(remaining.max(0) as u64)
}
