//! The frames of `/ws/chat` (contract section 4): what clients send, parsed strictly, and what
//! the server sends.

use serde::{Deserialize, Serialize};
use shared::chat::{ChatCommand, Content, ReadCommand, SendCommand};
use shared::events::{ChatMessage, Vote};
use shared::http::ErrorCode;
use shared::ids::{ConversationId, MessageId, UserId};

/// The longest `clientMsgId` accepted (a UUID is 36).
const MAX_CLIENT_MSG_ID: usize = 100;

/// A client frame that passed every check of its shape.
#[derive(Debug)]
pub enum ClientFrame {
    /// A command for messages.
    Command(ChatCommand),
    /// `ping`.
    Ping,
}

/// Why a frame was refused: the `error` frame to send back.
#[derive(Debug, PartialEq)]
pub struct FrameError {
    /// The contract's code.
    pub code: ErrorCode,
    /// A human sentence.
    pub message: String,
    /// The send it was, if it named one.
    pub client_msg_id: Option<String>,
}

impl FrameError {
    fn new(code: ErrorCode, message: impl Into<String>, client_msg_id: Option<String>) -> Self {
        Self {
            code,
            message: message.into(),
            client_msg_id,
        }
    }
}

/// `message.send` as sent: the content is checked by [`Content::parse`], whose error decides
/// the code.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendFields {
    client_msg_id: String,
    to: UserId,
    content: String,
}

impl ClientFrame {
    /// Parses one text frame: `invalid_json` if it is not a JSON object, `unknown_type` for a
    /// missing or unknown `type`, `invalid_field` or `content_too_long` for bad fields.
    pub fn parse(text: &str) -> Result<Self, FrameError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|_| {
            FrameError::new(ErrorCode::InvalidJson, "Frames must be JSON objects.", None)
        })?;
        let Some(object) = value.as_object() else {
            return Err(FrameError::new(
                ErrorCode::InvalidJson,
                "Frames must be JSON objects.",
                None,
            ));
        };
        let client_msg_id = object
            .get("clientMsgId")
            .and_then(|v| v.as_str())
            .filter(|id| id.len() <= MAX_CLIENT_MSG_ID)
            .map(str::to_owned);
        let kind = object
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or_default();
        let invalid = |e: serde_json::Error| {
            FrameError::new(
                ErrorCode::InvalidField,
                format!("Invalid {kind} frame: {e}."),
                client_msg_id.clone(),
            )
        };
        let command = match kind {
            "message.send" => {
                let fields: SendFields = serde_json::from_value(value.clone()).map_err(invalid)?;
                let id_ok = !fields.client_msg_id.trim().is_empty()
                    && fields.client_msg_id.len() <= MAX_CLIENT_MSG_ID
                    && !fields.client_msg_id.chars().any(char::is_control);
                if !id_ok {
                    return Err(FrameError::new(
                        ErrorCode::InvalidField,
                        "clientMsgId must be 1 to 100 printable characters.",
                        None,
                    ));
                }
                let content = Content::parse(&fields.content)
                    .map_err(|e| FrameError::new(e.code(), e.to_string(), client_msg_id.clone()))?;
                ChatCommand::Send(SendCommand {
                    client_msg_id: fields.client_msg_id,
                    to: fields.to,
                    content,
                })
            }
            "message.read" => {
                let command: ReadCommand =
                    serde_json::from_value(value.clone()).map_err(invalid)?;
                if command.seq < 0 {
                    return Err(FrameError::new(
                        ErrorCode::InvalidField,
                        "seq must be 0 or more.",
                        None,
                    ));
                }
                ChatCommand::Read(command)
            }
            "typing" => {
                ChatCommand::Typing(serde_json::from_value(value.clone()).map_err(invalid)?)
            }
            "message.vote" => {
                ChatCommand::Vote(serde_json::from_value(value.clone()).map_err(invalid)?)
            }
            "ping" => return Ok(Self::Ping),
            _ => {
                return Err(FrameError::new(
                    ErrorCode::UnknownType,
                    "Unknown frame type.",
                    client_msg_id,
                ));
            }
        };
        Ok(Self::Command(command))
    }
}
/// Server → client frames.
#[derive(Debug, Serialize)]
#[serde(tag = "type")]
pub enum ServerFrame<'a> {
    /// The sender's own send, stored.
    #[serde(rename = "message.ack", rename_all = "camelCase")]
    Ack {
        /// The client's id for it.
        client_msg_id: &'a str,
        /// The stored message.
        message: &'a ChatMessage,
    },
    /// A stored message, to the receiver and the sender's other connections (which also get the
    /// sender's `clientMsgId`, so a tab can recognise its twin's optimistic message).
    #[serde(rename = "message.new", rename_all = "camelCase")]
    New {
        /// The stored message.
        message: &'a ChatMessage,
        /// Only to the sender's own connections.
        #[serde(skip_serializing_if = "Option::is_none")]
        client_msg_id: Option<&'a str>,
    },
    /// A read watermark moved.
    #[serde(rename = "message.read", rename_all = "camelCase")]
    Read {
        /// Which conversation.
        conversation_id: ConversationId,
        /// Who read.
        reader_id: UserId,
        /// Up to here.
        seq: i64,
    },
    /// Someone is typing.
    #[serde(rename = "typing", rename_all = "camelCase")]
    Typing {
        /// Which conversation.
        conversation_id: ConversationId,
        /// Who.
        user_id: UserId,
    },
    /// A message's votes, with the receiving user's own.
    #[serde(rename = "message.votes", rename_all = "camelCase")]
    Votes {
        /// Which conversation.
        conversation_id: ConversationId,
        /// Which message.
        message_id: MessageId,
        /// Up-votes.
        up: i64,
        /// Down-votes.
        down: i64,
        /// This user's vote.
        mine: Option<Vote>,
    },
    /// A refused command, as messages decided it.
    #[serde(rename = "error", rename_all = "camelCase")]
    Error {
        /// The contract's code.
        code: ErrorCode,
        /// A human sentence.
        message: &'a str,
        /// The send it answers.
        #[serde(skip_serializing_if = "Option::is_none")]
        client_msg_id: Option<&'a str>,
    },
    /// The answer to `ping`.
    #[serde(rename = "pong")]
    Pong,
}

impl ServerFrame<'_> {
    /// The frame as text, ready to send to any number of sockets.
    pub fn to_text(&self) -> bytestring::ByteString {
        shared::socket::frame_text(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> ErrorCode {
        ClientFrame::parse(text).unwrap_err().code
    }

    #[test]
    fn each_client_frame_parses() {
        let to = UserId::new();
        let frame = ClientFrame::parse(&format!(
            r#"{{"type":"message.send","clientMsgId":"c1","to":"{to}","content":"hi","extra":1}}"#
        ))
        .unwrap();
        let ClientFrame::Command(ChatCommand::Send(send)) = frame else {
            panic!("a send: {frame:?}");
        };
        assert_eq!((send.client_msg_id.as_str(), send.to), ("c1", to));
        assert_eq!(send.content.as_str(), "hi");
        assert!(matches!(
            ClientFrame::parse(r#"{"type":"ping"}"#).unwrap(),
            ClientFrame::Ping
        ));
        let conversation = ConversationId::new();
        assert!(matches!(
            ClientFrame::parse(&format!(
                r#"{{"type":"message.read","conversationId":"{conversation}","seq":3}}"#
            )),
            Ok(ClientFrame::Command(ChatCommand::Read(ReadCommand {
                seq: 3,
                ..
            })))
        ));
    }

    #[test]
    fn bad_frames_get_the_contracts_codes() {
        let to = UserId::new();
        assert_eq!(code("nope"), ErrorCode::InvalidJson);
        assert_eq!(code("[1]"), ErrorCode::InvalidJson);
        assert_eq!(code("\"text\""), ErrorCode::InvalidJson);
        assert_eq!(code("{}"), ErrorCode::UnknownType);
        assert_eq!(code(r#"{"type":"launch"}"#), ErrorCode::UnknownType);
        assert_eq!(code(r#"{"type":42}"#), ErrorCode::UnknownType);
        assert_eq!(
            code(r#"{"type":"message.send","clientMsgId":"c","to":"x","content":"hi"}"#),
            ErrorCode::InvalidField
        );
        assert_eq!(
            code(&format!(
                r#"{{"type":"message.send","clientMsgId":"c","to":"{to}","content":"  "}}"#
            )),
            ErrorCode::InvalidField
        );
        assert_eq!(
            code(&format!(
                r#"{{"type":"message.send","clientMsgId":"c","to":"{to}","content":"{}"}}"#,
                "x".repeat(4001)
            )),
            ErrorCode::ContentTooLong
        );
        assert_eq!(
            code(&format!(
                r#"{{"type":"message.send","clientMsgId":"","to":"{to}","content":"hi"}}"#
            )),
            ErrorCode::InvalidField
        );
        assert_eq!(
            code(r#"{"type":"message.read","conversationId":"x","seq":1}"#),
            ErrorCode::InvalidField
        );
        assert_eq!(
            code(&format!(
                r#"{{"type":"message.read","conversationId":"{}","seq":-1}}"#,
                ConversationId::new()
            )),
            ErrorCode::InvalidField
        );
        assert_eq!(
            code(r#"{"type":"message.vote","messageId":"x","vote":"sideways"}"#),
            ErrorCode::InvalidField
        );
    }

    #[test]
    fn a_refused_send_names_its_client_msg_id() {
        let error = ClientFrame::parse(
            r#"{"type":"message.send","clientMsgId":"c9","to":"bad","content":"x"}"#,
        )
        .unwrap_err();
        assert_eq!(error.client_msg_id.as_deref(), Some("c9"));
    }
}
