//! The internal protocol between socket-handler and messages. Not public: it may change with the
//! two services, which are released together.
//!
//! socket-handler turns client frames into [`ChatCommand`]s: sends and typing notices straight
//! to messages' active writer over the [`lane`], the others on a durable queue. messages applies
//! them (the only place that decides membership, roles, `seq` and read state) and answers with
//! deliveries on the chat delivery exchange, routed by topic:
//! - to recipients ([`Route::to`]): each node binds [`user_key`] `u.<user>` for every user
//!   connected to it, and a delivery is published once with the first recipient's key and the
//!   others' in RabbitMQ's `BCC` header (sender-selected distribution), so every node holding a
//!   socket of any recipient gets exactly one copy and no other node gets any. The payload
//!   names the recipients; a node hands it to its own sockets of those users only, so someone
//!   removed from a group gets nothing stored after the removal even while still connected;
//! - [`node_key`] `node.<id>`: to the one node that holds the connection a reply is for.
//!
//! Stored facts (a new message, a watermark, a membership change) are published only after
//! their commit, so a socket never sees what was not stored. The command writer's go straight
//! to the broker in commit order (through messages' outbox only when the broker does not
//! confirm them); the HTTP routes' (group changes and their system messages) through the
//! outbox. A conversation's messages therefore reach a socket in `seq` order, except when a
//! system message races a send: the later one may arrive first, which a client takes as a gap
//! and fills from history, and then drops the earlier one as already held. A transaction's facts
//! go out as one publish ([`Deliveries`]), however many messages it stored.

mod content;
mod conversation;
mod emoji;
pub mod lane;
mod route;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use content::{Content, ContentError, MAX_ATTACHMENTS, MAX_CONTENT_CHARS};
pub use conversation::{Conversation, MemberView, Peer};
pub use emoji::{Emoji, MAX_EMOJI_BYTES};
pub use route::{
    Deliveries, Route, deliver_after_commit, delivery, hand_to_relay, node_key, user_key,
};

use crate::events::{ChatMessage, Vote};
use crate::http::ErrorCode;
use crate::ids::{AttachmentId, ConversationId, MessageId, UserId};

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
    /// The client's id for the frame, echoed by an `error` that answers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
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
    /// Move the caller's read watermark forward (and so their delivered one).
    #[serde(rename = "read")]
    Read(WatermarkCommand),
    /// Move the caller's delivered watermark forward.
    #[serde(rename = "delivered")]
    Delivered(WatermarkCommand),
    /// Tell the other members the caller is typing.
    #[serde(rename = "typing")]
    Typing(TypingCommand),
    /// Cast, switch or withdraw a vote.
    #[serde(rename = "vote")]
    Vote(VoteCommand),
    /// Change one's own message's text.
    #[serde(rename = "edit")]
    Edit(EditCommand),
    /// Delete a message, leaving a tombstone.
    #[serde(rename = "delete")]
    Delete(DeleteCommand),
    /// Toggle one's reaction with an emoji.
    #[serde(rename = "react")]
    React(ReactCommand),
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

    /// Whether losing it on its way to messages costs nothing: a send is sent again by its
    /// client until it is acknowledged (after it is stored), a typing notice is never stored.
    /// These go to the active writer over the [`lane`] (or, from a node that does not use it,
    /// through the commands queue kept in memory, [`crate::amqp::Topology::chat_sends_queue`]);
    /// the others through the commands queue on disk.
    pub fn is_sent_again_if_lost(&self) -> bool {
        matches!(self, Self::Send(_) | Self::Typing(_))
    }
}

/// Where a message goes: `to` a user (their direct conversation) or into `conversationId`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, rename_all = "camelCase")]
pub enum SendTarget {
    /// The direct conversation with this user.
    To {
        /// The other participant.
        to: UserId,
    },
    /// A conversation the sender is a member of.
    Conversation {
        /// Which.
        #[serde(rename = "conversationId")]
        conversation_id: ConversationId,
    },
}

/// `message.send`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendCommand {
    /// The client's id for it; a repeat with the same id is the same message.
    pub client_msg_id: String,
    /// Where it goes.
    #[serde(flatten)]
    pub target: SendTarget,
    /// The text; `None` (an empty string on the wire) only for a send of files.
    #[serde(with = "content::optional")]
    pub content: Option<Content>,
    /// The message it replies to, of the same conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<MessageId>,
    /// The sender's pending uploads it carries (at most [`MAX_ATTACHMENTS`]), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment_ids: Vec<AttachmentId>,
}

impl SendCommand {
    /// The text, empty for a send of files only.
    pub fn text(&self) -> &str {
        self.content.as_ref().map_or("", Content::as_str)
    }
}

/// `message.edit`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EditCommand {
    /// Which message (the caller's own).
    pub message_id: MessageId,
    /// Its new text, under the same rule as a send's.
    pub content: Content,
}

/// `message.delete`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteCommand {
    /// Which message.
    pub message_id: MessageId,
}

/// `message.react`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReactCommand {
    /// Which message.
    pub message_id: MessageId,
    /// With what.
    pub emoji: Emoji,
}

/// `message.read` and `message.delivered`: a watermark, only forward.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatermarkCommand {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Up to here.
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
    /// [`super::MessageDelivery`], to the members.
    pub const MESSAGE: &str = "chat.message";
    /// [`super::AckDelivery`], to the origin node (a repeated send).
    pub const ACK: &str = "chat.ack";
    /// [`super::WatermarkDelivery`], to the members.
    pub const WATERMARK: &str = "chat.watermark";
    /// [`super::TypingDelivery`], to the members.
    pub const TYPING: &str = "chat.typing";
    /// [`super::VotesDelivery`], to the members.
    pub const VOTES: &str = "chat.votes";
    /// [`super::UpdatedDelivery`], to the members.
    pub const UPDATED: &str = "chat.updated";
    /// [`super::ConversationDelivery`], to the members.
    pub const CONVERSATION: &str = "chat.conversation";
    /// [`super::RemovedDelivery`], to those no longer members.
    pub const REMOVED: &str = "chat.removed";
    /// [`super::ErrorDelivery`], to the origin node.
    pub const ERROR: &str = "chat.error";
    /// The deliveries of one transaction in order, a JSON array of `{kind, payload}` (each as
    /// it would be alone), to every node holding a socket of any of their recipients (see
    /// [`super::Deliveries`]).
    pub const BATCH: &str = "chat.batch";
}

/// A message was stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDelivery {
    /// The stored message.
    pub message: ChatMessage,
    /// The sender's id for it (empty for a system message).
    pub client_msg_id: String,
    /// The connection that sent it, which gets `message.ack` instead of `message.new`.
    pub origin: Option<Origin>,
    /// Every member when it was stored.
    pub recipients: Vec<UserId>,
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

/// A member's read and/or delivered watermark moved forward.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatermarkDelivery {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Whose watermarks.
    pub user_id: UserId,
    /// Read up to here, if that moved.
    pub read: Option<i64>,
    /// Delivered up to here, if that moved.
    pub delivered: Option<i64>,
    /// Every member.
    pub recipients: Vec<UserId>,
}

/// Someone is typing.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypingDelivery {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Who is typing.
    pub user_id: UserId,
    /// Every member (the typist's own sockets are skipped).
    pub recipients: Vec<UserId>,
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
    /// The message's `rev` after the change.
    pub rev: i64,
    /// Each member's own vote now, for their `mine`.
    pub votes: Vec<(UserId, Option<Vote>)>,
}

/// A message was edited, deleted or reacted to: each member gets it with their own `mine`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatedDelivery {
    /// The message as it is now, as nobody in particular sees it (`mine` unset).
    pub message: ChatMessage,
    /// Every member.
    pub recipients: Vec<UserId>,
    /// Who has voted, and how.
    pub votes: Vec<(UserId, Vote)>,
    /// Who reacted with which emoji.
    pub reactors: Vec<(UserId, String)>,
}

impl UpdatedDelivery {
    /// The message as `user` sees it.
    pub fn seen_by(&self, user: UserId) -> ChatMessage {
        let mut message = self.message.clone();
        message.votes.mine = self
            .votes
            .iter()
            .find(|(voter, _)| *voter == user)
            .map(|(_, vote)| *vote);
        for reaction in &mut message.reactions {
            reaction.mine = self
                .reactors
                .iter()
                .any(|(reactor, emoji)| *reactor == user && *emoji == reaction.emoji);
        }
        message
    }
}

/// A group was created or changed: each member gets it as they see it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDelivery {
    /// The conversation, common to all.
    pub conversation: Conversation,
    /// Each member's own view.
    pub views: Vec<MemberView>,
}

/// Users who are no longer members of a conversation.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemovedDelivery {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Who left or was removed.
    pub user_ids: Vec<UserId>,
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
    /// The frame's `requestId`, if it had one.
    #[serde(default)]
    pub request_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_have_a_stable_shape() {
        let to = UserId::from(Uuid::from_u128(2));
        let command = ChatCommand::Send(SendCommand {
            client_msg_id: "c1".into(),
            target: SendTarget::To { to },
            content: Some(Content::parse("hi").unwrap()),
            reply_to: None,
            attachment_ids: Vec::new(),
        });
        let json = serde_json::to_value(&command).unwrap();
        assert_eq!(json["type"], "send");
        assert_eq!(json["clientMsgId"], "c1");
        assert_eq!(json["to"], to.to_string());
        assert_eq!(json["content"], "hi");
        let back: ChatCommand = serde_json::from_value(json).unwrap();
        let ChatCommand::Send(send) = back else {
            panic!("a send");
        };
        assert_eq!(send.target, SendTarget::To { to });

        let conversation_id = ConversationId::from(Uuid::from_u128(3));
        let json = serde_json::to_value(ChatCommand::Send(SendCommand {
            client_msg_id: "c2".into(),
            target: SendTarget::Conversation { conversation_id },
            content: Some(Content::parse("hi").unwrap()),
            reply_to: None,
            attachment_ids: Vec::new(),
        }))
        .unwrap();
        assert_eq!(json["conversationId"], conversation_id.to_string());
        let back: ChatCommand = serde_json::from_value(json).unwrap();
        assert!(matches!(
            back,
            ChatCommand::Send(SendCommand {
                target: SendTarget::Conversation { .. },
                ..
            })
        ));
    }
}
