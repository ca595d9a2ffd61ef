//! The frames of `/ws/chat` (contract section 4): what clients send, parsed strictly, and what
//! the server sends.

use serde::{Deserialize, Serialize};
use shared::chat::{
    ChatCommand, Content, Conversation, EditCommand, Emoji, ReactCommand, SendCommand, SendTarget,
    WatermarkCommand,
};
use shared::events::{ChatMessage, Vote};
use shared::http::ErrorCode;
use shared::ids::{AttachmentId, ConversationId, MessageId, UserId};
use shared::socket::{Echo, request_id};

/// The longest `clientMsgId` accepted (a UUID is 36).
const MAX_CLIENT_MSG_ID: usize = 100;

/// A client frame that passed every check of its shape.
#[derive(Debug)]
pub struct ClientFrame {
    /// What it asks for.
    pub body: FrameBody,
    /// Its `requestId`, echoed by an `error` that answers it.
    pub request_id: Option<String>,
}

/// What a client frame asks for.
#[derive(Debug)]
pub enum FrameBody {
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
    /// The frame's `requestId`, if it had one.
    pub request_id: Option<String>,
}

impl FrameError {
    /// What the `error` frame echoes.
    pub fn echo(&self) -> Echo<'_> {
        Echo {
            client_msg_id: self.client_msg_id.as_deref(),
            request_id: self.request_id.as_deref(),
        }
    }
}

/// `message.send` as sent: exactly one of `to` and `conversationId`; the content is checked by
/// [`Content::parse_for_send`] (blank only with files), whose error decides the code.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendFields {
    client_msg_id: String,
    to: Option<UserId>,
    conversation_id: Option<ConversationId>,
    #[serde(default)]
    content: String,
    reply_to: Option<MessageId>,
    #[serde(default)]
    attachment_ids: Vec<AttachmentId>,
}

/// `message.edit` as sent.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EditFields {
    message_id: MessageId,
    content: String,
}

/// `message.react` as sent.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReactFields {
    message_id: MessageId,
    emoji: String,
}

/// What the errors about one frame echo.
struct Refusals {
    client_msg_id: Option<String>,
    request_id: Option<String>,
}

impl Refusals {
    fn refuse(&self, code: ErrorCode, message: impl Into<String>) -> FrameError {
        FrameError {
            code,
            message: message.into(),
            client_msg_id: self.client_msg_id.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

impl ClientFrame {
    /// Parses one text frame: `invalid_json` if it is not a JSON object, `unknown_type` for a
    /// missing or unknown `type`, `invalid_field` or `content_too_long` for bad fields.
    pub fn parse(text: &str) -> Result<Self, FrameError> {
        let not_json = || FrameError {
            code: ErrorCode::InvalidJson,
            message: "Frames must be JSON objects.".into(),
            client_msg_id: None,
            request_id: None,
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(|_| not_json())?;
        let Some(object) = value.as_object() else {
            return Err(not_json());
        };
        let refusals = Refusals {
            client_msg_id: object
                .get("clientMsgId")
                .and_then(|v| v.as_str())
                .filter(|id| id.len() <= MAX_CLIENT_MSG_ID)
                .map(str::to_owned),
            request_id: request_id(&value).map(str::to_owned),
        };
        let kind = object
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or_default();
        let invalid = |e: serde_json::Error| {
            refusals.refuse(
                ErrorCode::InvalidField,
                format!("Invalid {kind} frame: {e}."),
            )
        };
        let body = match kind {
            "message.send" => FrameBody::Command(ChatCommand::Send(parse_send(&value, &refusals)?)),
            "message.read" | "message.delivered" => {
                let command: WatermarkCommand =
                    serde_json::from_value(value.clone()).map_err(invalid)?;
                if command.seq < 0 {
                    return Err(refusals.refuse(ErrorCode::InvalidField, "seq must be 0 or more."));
                }
                FrameBody::Command(if kind == "message.read" {
                    ChatCommand::Read(command)
                } else {
                    ChatCommand::Delivered(command)
                })
            }
            "typing" => FrameBody::Command(ChatCommand::Typing(
                serde_json::from_value(value.clone()).map_err(invalid)?,
            )),
            "message.vote" => FrameBody::Command(ChatCommand::Vote(
                serde_json::from_value(value.clone()).map_err(invalid)?,
            )),
            "message.edit" => {
                let fields: EditFields = serde_json::from_value(value.clone()).map_err(invalid)?;
                let content = Content::parse(&fields.content)
                    .map_err(|e| refusals.refuse(e.code(), e.to_string()))?;
                FrameBody::Command(ChatCommand::Edit(EditCommand {
                    message_id: fields.message_id,
                    content,
                }))
            }
            "message.delete" => FrameBody::Command(ChatCommand::Delete(
                serde_json::from_value(value.clone()).map_err(invalid)?,
            )),
            "message.react" => {
                let fields: ReactFields = serde_json::from_value(value.clone()).map_err(invalid)?;
                let emoji = Emoji::parse(&fields.emoji)
                    .map_err(|e| refusals.refuse(ErrorCode::InvalidField, e))?;
                FrameBody::Command(ChatCommand::React(ReactCommand {
                    message_id: fields.message_id,
                    emoji,
                }))
            }
            "ping" => FrameBody::Ping,
            _ => return Err(refusals.refuse(ErrorCode::UnknownType, "Unknown frame type.")),
        };
        Ok(Self {
            body,
            request_id: refusals.request_id,
        })
    }
}

fn parse_send(value: &serde_json::Value, refusals: &Refusals) -> Result<SendCommand, FrameError> {
    let fields: SendFields = serde_json::from_value(value.clone()).map_err(|e| {
        refusals.refuse(
            ErrorCode::InvalidField,
            format!("Invalid message.send frame: {e}."),
        )
    })?;
    let id_ok = !fields.client_msg_id.trim().is_empty()
        && fields.client_msg_id.len() <= MAX_CLIENT_MSG_ID
        && !fields.client_msg_id.chars().any(char::is_control);
    if !id_ok {
        return Err(FrameError {
            client_msg_id: None,
            ..refusals.refuse(
                ErrorCode::InvalidField,
                "clientMsgId must be 1 to 100 printable characters.",
            )
        });
    }
    let target = match (fields.to, fields.conversation_id) {
        (Some(to), None) => SendTarget::To { to },
        (None, Some(conversation_id)) => SendTarget::Conversation { conversation_id },
        _ => {
            return Err(refusals.refuse(
                ErrorCode::InvalidField,
                "Send to a user (to) or into a conversation (conversationId): exactly one.",
            ));
        }
    };
    let content = Content::parse_for_send(&fields.content, fields.attachment_ids.len())
        .map_err(|e| refusals.refuse(e.code(), e.to_string()))?;
    Ok(SendCommand {
        client_msg_id: fields.client_msg_id,
        target,
        content,
        reply_to: fields.reply_to,
        attachment_ids: fields.attachment_ids,
    })
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
    /// A message was edited, deleted or reacted to; `mine` is the receiving user's own.
    #[serde(rename = "message.updated", rename_all = "camelCase")]
    Updated {
        /// The message as it is now.
        message: &'a ChatMessage,
    },
    /// A delivered watermark moved.
    #[serde(rename = "message.delivered", rename_all = "camelCase")]
    Delivered {
        /// Which conversation.
        conversation_id: ConversationId,
        /// Whose devices.
        user_id: UserId,
        /// Up to here.
        seq: i64,
    },
    /// A group was created or changed, as the receiving member sees it.
    #[serde(rename = "conversation.updated", rename_all = "camelCase")]
    ConversationUpdated {
        /// The conversation.
        conversation: &'a Conversation,
    },
    /// The receiving user left or was removed.
    #[serde(rename = "conversation.removed", rename_all = "camelCase")]
    ConversationRemoved {
        /// Which conversation.
        conversation_id: ConversationId,
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
        /// The message's `rev` after the change.
        rev: i64,
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
        let FrameBody::Command(ChatCommand::Send(send)) = frame.body else {
            panic!("a send: {frame:?}");
        };
        assert_eq!(
            (send.client_msg_id.as_str(), send.target),
            ("c1", SendTarget::To { to })
        );
        assert_eq!(send.text(), "hi");
        assert!(matches!(
            ClientFrame::parse(r#"{"type":"ping"}"#).unwrap().body,
            FrameBody::Ping
        ));
        let conversation = ConversationId::new();
        for (kind, read) in [("message.read", true), ("message.delivered", false)] {
            let frame = ClientFrame::parse(&format!(
                r#"{{"type":"{kind}","conversationId":"{conversation}","seq":3,"requestId":"r1"}}"#
            ))
            .unwrap();
            assert_eq!(frame.request_id.as_deref(), Some("r1"));
            match frame.body {
                FrameBody::Command(ChatCommand::Read(w)) if read => assert_eq!(w.seq, 3),
                FrameBody::Command(ChatCommand::Delivered(w)) if !read => assert_eq!(w.seq, 3),
                other => panic!("{kind}: {other:?}"),
            }
        }
        let into_group = ClientFrame::parse(&format!(
            r#"{{"type":"message.send","clientMsgId":"c2","conversationId":"{conversation}","content":"hi"}}"#
        ))
        .unwrap();
        assert!(matches!(
            into_group.body,
            FrameBody::Command(ChatCommand::Send(SendCommand {
                target: SendTarget::Conversation { .. },
                ..
            }))
        ));
    }

    #[test]
    fn a_send_of_files_only_may_have_no_text() {
        let to = UserId::new();
        let file = AttachmentId::new();
        let frame = ClientFrame::parse(&format!(
            r#"{{"type":"message.send","clientMsgId":"c","to":"{to}","content":" ","attachmentIds":["{file}"]}}"#
        ))
        .unwrap();
        let FrameBody::Command(ChatCommand::Send(send)) = frame.body else {
            panic!("a send");
        };
        assert_eq!(send.content, None);
        assert_eq!(send.attachment_ids, vec![file]);
        let eleven: Vec<String> = (0..11)
            .map(|_| format!("\"{}\"", AttachmentId::new()))
            .collect();
        assert_eq!(
            code(&format!(
                r#"{{"type":"message.send","clientMsgId":"c","to":"{to}","content":"hi","attachmentIds":[{}]}}"#,
                eleven.join(",")
            )),
            ErrorCode::InvalidField
        );
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
    fn a_send_names_exactly_one_of_to_and_conversation_id() {
        let (to, conversation) = (UserId::new(), ConversationId::new());
        for fields in [
            String::new(),
            format!(r#","to":"{to}","conversationId":"{conversation}""#),
        ] {
            assert_eq!(
                code(&format!(
                    r#"{{"type":"message.send","clientMsgId":"c"{fields},"content":"hi"}}"#
                )),
                ErrorCode::InvalidField
            );
        }
    }

    #[test]
    fn an_error_echoes_the_request_id_only_when_it_is_a_short_string() {
        let error = ClientFrame::parse(r#"{"type":"launch","requestId":"abc"}"#).unwrap_err();
        assert_eq!(error.request_id.as_deref(), Some("abc"));
        let long = "x".repeat(65);
        let error = ClientFrame::parse(&format!(r#"{{"type":"launch","requestId":"{long}"}}"#))
            .unwrap_err();
        assert_eq!(error.request_id, None);
        let error = ClientFrame::parse(r#"{"type":"launch","requestId":7}"#).unwrap_err();
        assert_eq!(error.request_id, None);
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
