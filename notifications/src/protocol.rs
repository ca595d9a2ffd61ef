//! What a notifications socket accepts from the client (`{type: "ping"}`, and nothing else),
//! and what its opening and closing mean for live delivery.

use bytestring::ByteString;
use serde::Deserialize;
use shared::http::ErrorCode;
use shared::socket::{ConnectionContext, Echo, FrameHandler, request_id};

use crate::frames::ServerFrame;
use crate::live::LiveRouting;

/// The client's frames.
#[derive(Deserialize)]
#[serde(tag = "type")]
enum ClientFrame {
    #[serde(rename = "ping")]
    Ping,
}

/// The notifications socket's protocol, one per connection.
pub struct NotificationsProtocol {
    /// Routes the user's notifications to this node while they have a socket here.
    live: LiveRouting,
}

impl NotificationsProtocol {
    /// A connection's protocol, routing live deliveries through `live`.
    pub fn new(live: LiveRouting) -> Self {
        Self { live }
    }
}

impl FrameHandler for NotificationsProtocol {
    /// The user's first socket on this node starts their deliveries here. The socket reads no
    /// frame before this returns, so a client whose first `ping` was answered is bound.
    async fn on_open(&self, ctx: &ConnectionContext, first_on_node: bool) {
        if first_on_node {
            self.live.start(ctx.user.id).await;
        }
    }

    async fn on_text(&self, ctx: &ConnectionContext, text: ByteString) {
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(value) => value,
            Err(_) => {
                ctx.reply_error(
                    ErrorCode::InvalidJson,
                    "Frames must be JSON objects.",
                    Echo::default(),
                );
                return;
            }
        };
        let echo = Echo {
            client_msg_id: None,
            request_id: request_id(&value),
        };
        match serde_json::from_value::<ClientFrame>(value.clone()) {
            Ok(ClientFrame::Ping) => {
                ctx.reply(ServerFrame::Pong.to_text());
            }
            Err(_) => {
                ctx.reply_error(
                    ErrorCode::UnknownType,
                    "This socket only accepts {\"type\": \"ping\"}.",
                    echo,
                );
            }
        }
    }

    /// The user's last socket on this node stops their deliveries here.
    async fn on_close(&self, ctx: &ConnectionContext, last_on_node: bool) {
        if last_on_node {
            self.live.stop(ctx.user.id).await;
        }
    }
}
