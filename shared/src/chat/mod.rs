//! The internal protocol between socket-handler and messages. Not public: it may change with the
//! two services, which are released together.
//!
//! socket-handler turns client frames into [`ChatCommand`]s on a durable queue. messages applies
//! them (the only place that decides membership, `seq` and read state) and answers with
//! deliveries on the chat delivery exchange, routed by topic:
//! - [`participants_key`] `<a>.<b>`: to whichever nodes hold sockets of either participant
//!   (nodes bind `<user>.*` and `*.<user>` for each user connected to them);
//! - [`node_key`] `node.<id>`: to the one node that holds the connection a reply is for.
//!
//! Stored facts (a new message, a read watermark) are delivered through messages' outbox, after
//! commit and in commit order, so a socket never sees what was not stored and sees a
//! conversation's messages in `seq` order.

mod content;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use content::{Content, ContentError, MAX_CONTENT_CHARS};

use crate::events::{ChatMessage, Vote};
use crate::http::ErrorCode;
use crate::ids::{ConversationId, MessageId, UserId};

/// The connection a command came from, so that its answer reaches exactly that socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The socket-handler node.
    pub node: String,
    /// The connection on that node.
    pub connection: u64,
}

/// A command, as published to the commands queue.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandEnvelope {
    /// Unique per publish (used as the AMQP message id).
    pub id: Uuid,
    /// Who issued it: always the verified user of the connection, never a frame field.
    pub user_id: UserId,
    /// Their username, for display.
    pub username: String,
    /// Where the answer goes.
    pub origin: Origin,
    /// What to do.
    pub command: ChatCommand,
}

/// What a client asked for. Each kind is its own type, handed as it is to its handler.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ChatCommand {
    /// Store and deliver a message.
    #[serde(rename = "send")]
    Send(SendCommand),
    /// Move the caller's read watermark forward.
    #[serde(rename = "read")]
    Read(ReadCommand),
    /// Tell the other participants the caller is typing.
    #[serde(rename = "typing")]
    Typing(TypingCommand),
    /// Cast, switch or withdraw a vote.
    #[serde(rename = "vote")]
    Vote(VoteCommand),
}

impl ChatCommand {
    /// The send's client id, when the command is a send (its refusal names it).
    pub fn client_msg_id(&self) -> Option<&str> {
        match self {
            Self::Send(send) => Some(&send.client_msg_id),
            _ => None,
        }
    }

    /// Whether applying it changes stored state (and so must be applied only once).
    pub fn is_stored(&self) -> bool {
        !matches!(self, Self::Typing(_))
    }
}

/// `message.send`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendCommand {
    /// The client's id for it; a repeat with the same id is the same message.
    pub client_msg_id: String,
    /// The other participant.
    pub to: UserId,
    /// The text.
    pub content: Content,
}

/// `message.read`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadCommand {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Read up to here.
    pub seq: i64,
}

/// `typing`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypingCommand {
    /// Which conversation.
    pub conversation_id: ConversationId,
}

/// `message.vote`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoteCommand {
    /// Which message.
    pub message_id: MessageId,
    /// The vote sent.
    pub vote: Vote,
}

/// AMQP types of deliveries.
pub mod kind {
    /// [`super::MessageDelivery`], to the participants.
    pub const MESSAGE: &str = "chat.message";
    /// [`super::AckDelivery`], to the origin node (a repeated send).
    pub const ACK: &str = "chat.ack";
    /// [`super::ReadDelivery`], to the participants.
    pub const READ: &str = "chat.read";
    /// [`super::TypingDelivery`], to the participants.
    pub const TYPING: &str = "chat.typing";
    /// [`super::VotesDelivery`], to the participants.
    pub const VOTES: &str = "chat.votes";
    /// [`super::ErrorDelivery`], to the origin node.
    pub const ERROR: &str = "chat.error";
}

/// A message was stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDelivery {
    /// The stored message.
    pub message: ChatMessage,
    /// The sender's id for it.
    pub client_msg_id: String,
    /// The connection that sent it, which gets `message.ack` instead of `message.new`.
    pub origin: Origin,
}

/// A repeated send: the stored message, acknowledged again to the connection that repeated it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AckDelivery {
    /// The message stored the first time.
    pub message: ChatMessage,
    /// The sender's id for it.
    pub client_msg_id: String,
    /// Who to acknowledge.
    pub origin: Origin,
}

/// A read watermark moved forward.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadDelivery {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Who read.
    pub reader_id: UserId,
    /// Up to here.
    pub seq: i64,
    /// Every participant.
    pub participants: Vec<UserId>,
}

/// Someone is typing.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypingDelivery {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Who is typing.
    pub user_id: UserId,
    /// Every participant.
    pub participants: Vec<UserId>,
}

/// A message's votes changed.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VotesDelivery {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Which message.
    pub message_id: MessageId,
    /// Up-votes now.
    pub up: i64,
    /// Down-votes now.
    pub down: i64,
    /// Each participant's own vote now, for their `mine`.
    pub votes: Vec<(UserId, Option<Vote>)>,
}

/// A command was refused.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDelivery {
    /// Who to tell.
    pub origin: Origin,
    /// Whose connection that is.
    pub user_id: UserId,
    /// The contract's error code.
    pub code: ErrorCode,
    /// A human sentence.
    pub message: String,
    /// The send it answers, if it was one.
    pub client_msg_id: Option<String>,
}

/// The routing key that reaches every node holding a socket of `a` or `b`.
pub fn participants_key(a: UserId, b: UserId) -> String {
    format!("{a}.{b}")
}

/// The two binding patterns a node needs to receive deliveries for `user`.
pub fn user_bindings(user: UserId) -> [String; 2] {
    [format!("{user}.*"), format!("*.{user}")]
}

/// The routing key of one node. Dots would split it into topic words, so they become dashes.
pub fn node_key(node: &str) -> String {
    format!("node.{}", node.replace('.', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_have_a_stable_shape() {
        let command = ChatCommand::Send(SendCommand {
            client_msg_id: "c1".into(),
            to: UserId::from(Uuid::from_u128(2)),
            content: Content::parse("hi").unwrap(),
        });
        let json = serde_json::to_value(&command).unwrap();
        assert_eq!(json["type"], "send");
        assert_eq!(json["clientMsgId"], "c1");
        assert_eq!(json["content"], "hi");
        let back: ChatCommand = serde_json::from_value(json).unwrap();
        assert!(matches!(back, ChatCommand::Send(_)));
    }

    #[test]
    fn a_node_key_is_two_topic_words() {
        assert_eq!(
            node_key("socket-handler-a.b.c-1"),
            "node.socket-handler-a-b-c-1"
        );
    }
}
