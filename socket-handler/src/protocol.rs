//! What a chat socket does with the client's frames: check their shape, keep a flood off the
//! node (see [`crate::rate_limit`]), and queue them as commands for messages, which decides
//! everything else; the node's forwarder takes each from the user's allowance for its kind.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytestring::ByteString;
use shared::chat::{ChatCommand, CommandEnvelope, Origin};
use shared::http::ErrorCode;
use shared::socket::{ConnectionContext, Echo, FrameHandler};
use shared::telemetry;

use crate::bindings::DeliveryBindings;
use crate::forwarder::CommandForwarder;
use crate::frames::{ClientFrame, FrameBody, ServerFrame};
use crate::rate_limit::{FloodGuard, FloodLimits, Kind, Verdict, too_fast};

/// A typing frame more often than this is dropped: the peer's indicator lasts longer anyway.
const TYPING_INTERVAL: Duration = Duration::from_millis(1000);

/// What every chat connection on this node shares.
pub struct ChatServices {
    /// Takes the node's commands to messages.
    pub forwarder: CommandForwarder,
    /// This node, for replies.
    pub node_id: String,
    /// What one connection may send before the node stops queueing its commands.
    pub flood_limits: FloodLimits,
    /// Which users' deliveries this node receives.
    pub bindings: DeliveryBindings,
}

/// One chat connection's protocol.
pub struct ChatProtocol {
    services: Arc<ChatServices>,
    last_typing: Cell<Option<Instant>>,
    flood_guard: FloodGuard,
}

impl ChatProtocol {
    /// For a new connection.
    pub fn new(services: Arc<ChatServices>) -> Self {
        Self {
            services,
            last_typing: Cell::new(None),
            flood_guard: FloodGuard::default(),
        }
    }

    /// Queues `command` for messages; `unavailable` at once if the node's queue is full.
    fn forward(&self, ctx: &ConnectionContext, command: ChatCommand, request_id: Option<String>) {
        let envelope = CommandEnvelope {
            id: uuid::Uuid::now_v7(),
            user_id: ctx.user.id,
            username: ctx.user.username.clone(),
            origin: Origin {
                node: self.services.node_id.clone(),
                connection: ctx.id,
            },
            request_id,
            command,
        };
        let echo_id = envelope.command.client_msg_id().map(str::to_owned);
        let echo_request = envelope.request_id.clone();
        if telemetry::hop_enabled() {
            telemetry::hop("frame", &envelope.id.to_string());
        }
        if !self.services.forwarder.forward(envelope) {
            ctx.reply_error(
                ErrorCode::Unavailable,
                "Chat is busy. Send again in a moment.",
                Echo {
                    client_msg_id: echo_id.as_deref(),
                    request_id: echo_request.as_deref(),
                },
            );
        }
    }
}

impl ChatProtocol {
    /// Whether this connection may send a typing notice now (one a second; the peer's indicator
    /// lasts longer anyway), and if so counts it.
    fn typing_due(&self) -> bool {
        let now = Instant::now();
        if self
            .last_typing
            .get()
            .is_some_and(|last| now.duration_since(last) < TYPING_INTERVAL)
        {
            return false;
        }
        self.last_typing.set(Some(now));
        true
    }
}

impl FrameHandler for ChatProtocol {
    async fn on_open(&self, _ctx: &ConnectionContext, _first_on_node: bool) {}

    async fn on_text(&self, ctx: &ConnectionContext, text: ByteString) {
        let frame = match ClientFrame::parse(&text) {
            Ok(frame) => frame,
            Err(error) => {
                ctx.reply_error(error.code, &error.message, error.echo());
                return;
            }
        };
        let command = match frame.body {
            FrameBody::Ping => {
                ctx.reply(ServerFrame::Pong.to_text());
                return;
            }
            FrameBody::Command(command) => command,
        };
        let kind = Kind::of(&command);
        if kind == Kind::Typing && !self.typing_due() {
            return;
        }
        let guard = self
            .flood_guard
            .take(&self.services.flood_limits, kind, Instant::now());
        if let Verdict::Refused(wait) = guard {
            // A typing notice is best effort: one refused needs no answer.
            if kind != Kind::Typing {
                let echo = Echo {
                    client_msg_id: command.client_msg_id(),
                    request_id: frame.request_id.as_deref(),
                };
                ctx.reply_error(ErrorCode::RateLimited, &too_fast(wait), echo);
            }
            return;
        }
        self.forward(ctx, command, frame.request_id);
    }

    async fn on_close(&self, ctx: &ConnectionContext, _last_on_node: bool) {
        self.services.bindings.release(ctx.user.id).await;
    }
}
