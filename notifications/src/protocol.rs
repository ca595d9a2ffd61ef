//! What a notifications socket accepts from the client: `{type: "ping"}`, and nothing else.

use bytestring::ByteString;
use serde::Deserialize;
use shared::http::ErrorCode;
use shared::socket::{ConnectionContext, FrameHandler};

use crate::frames::ServerFrame;

/// The client's frames.
#[derive(Deserialize)]
#[serde(tag = "type")]
enum ClientFrame {
    #[serde(rename = "ping")]
    Ping,
}

/// The notifications socket's protocol.
pub struct NotificationsProtocol;

impl FrameHandler for NotificationsProtocol {
    async fn on_open(&self, _ctx: &ConnectionContext, _first_on_node: bool) {}

    async fn on_text(&self, ctx: &ConnectionContext, text: ByteString) {
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(value) => value,
            Err(_) => {
                ctx.reply_error(ErrorCode::InvalidJson, "Frames must be JSON objects.", None);
                return;
            }
        };
        match serde_json::from_value::<ClientFrame>(value) {
            Ok(ClientFrame::Ping) => {
                ctx.reply(ServerFrame::Pong.to_text());
            }
            Err(_) => {
                ctx.reply_error(
                    ErrorCode::UnknownType,
                    "This socket only accepts {\"type\": \"ping\"}.",
                    None,
                );
            }
        }
    }

    async fn on_close(&self, _ctx: &ConnectionContext, _last_on_node: bool) {}
}
