//! Events of `MessageEventsExchange`, and the contract's `message` object they carry.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Event, Exchange};
use crate::ids::{AttachmentId, ConversationId, MessageId, UserId};

/// An up- or down-vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vote {
    /// 👍
    Up,
    /// 👎
    Down,
}

/// `{up, down, mine}`: the counts, and the reader's own vote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteCounts {
    /// Up-votes.
    pub up: i64,
    /// Down-votes.
    pub down: i64,
    /// The reader's own vote; `null` on the bus, where there is no reader.
    pub mine: Option<Vote>,
}

/// A user's message or a system message (a membership, name, topic or role change).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// Written by a member.
    #[default]
    User,
    /// Written by the server about a change of the conversation; never unread, never notified.
    System,
}

/// What a system message records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SystemEvent {
    /// The group was created (`userIds`: its first members, the owner first).
    #[serde(rename = "created")]
    Created,
    /// Members were added.
    #[serde(rename = "member.added")]
    MemberAdded,
    /// A member was removed by an owner or admin.
    #[serde(rename = "member.removed")]
    MemberRemoved,
    /// A member left.
    #[serde(rename = "member.left")]
    MemberLeft,
    /// The group was renamed (`name`).
    #[serde(rename = "renamed")]
    Renamed,
    /// The topic changed (`topic`).
    #[serde(rename = "topic.changed")]
    TopicChanged,
    /// A member's role changed (`role`; `userIds`: that member).
    #[serde(rename = "role.changed")]
    RoleChanged,
}

/// A member's role in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The one member with every right; only a hand-over changes it.
    Owner,
    /// Manages the group and its members (not the owner, not other admins).
    Admin,
    /// Takes part.
    Member,
}

impl Role {
    /// Its name in the database and on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// The role named `name`, if it is one.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            _ => None,
        }
    }
}

/// `system` of a system message: `{event, actorId, userIds, name?, topic?, role?}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemInfo {
    /// What changed.
    pub event: SystemEvent,
    /// Who changed it (also the message's `senderId`).
    pub actor_id: UserId,
    /// Whom it concerns.
    pub user_ids: Vec<UserId>,
    /// The new name (`created`, `renamed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The new topic (`topic.changed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The new role (`role.changed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// `replyTo`: the message replied to, as it is when served (`preview` empty once deleted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplyTo {
    /// The message replied to.
    pub id: MessageId,
    /// Its seq, to jump to it.
    pub seq: i64,
    /// Who wrote it.
    pub sender_id: UserId,
    /// Its first 100 characters.
    pub preview: String,
}

/// One emoji's reactions on a message: `{emoji, count, mine}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionCount {
    /// The emoji.
    pub emoji: String,
    /// How many reacted with it.
    pub count: i64,
    /// Whether the reader is one of them (false on the bus, where there is no reader).
    pub mine: bool,
}

/// A file sent with a message (contract section 8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    /// The attachment.
    pub id: AttachmentId,
    /// The client's name for it, made safe.
    pub filename: String,
    /// The type sniffed from its bytes.
    pub content_type: String,
    /// Stored bytes.
    pub size: i64,
    /// Pixels, for an image.
    pub width: Option<i32>,
    /// Pixels, for an image.
    pub height: Option<i32>,
    /// Its path on the gateway.
    pub url: String,
    /// Its thumbnail's path on the gateway, for an image.
    pub thumbnail_url: Option<String>,
}

/// The contract's `message` object: a stored chat message, a system message or a tombstone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    /// The message.
    pub id: MessageId,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// Its position in the conversation: 1, 2, 3, … with no gaps.
    pub seq: i64,
    /// Who wrote it (for a system message: who made the change).
    pub sender_id: UserId,
    /// The other participant of a direct conversation; null in a group.
    pub receiver_id: Option<UserId>,
    /// A user's message or a system message.
    #[serde(default)]
    pub kind: MessageKind,
    /// What a system message records; null for a user's message.
    #[serde(default)]
    pub system: Option<SystemInfo>,
    /// The text: trimmed, 1 to 4,000 characters; empty for a system message, a tombstone, or a
    /// message of attachments only.
    pub content: String,
    /// The message replied to.
    #[serde(default)]
    pub reply_to: Option<ReplyTo>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// When its text last changed.
    #[serde(default)]
    pub edited_at: Option<DateTime<Utc>>,
    /// When it was deleted (a tombstone keeps its id and seq).
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
    /// Its votes.
    pub votes: VoteCounts,
    /// Its reactions, by emoji.
    #[serde(default)]
    pub reactions: Vec<ReactionCount>,
    /// Its files.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// The conversation's `rev` at this message's last change.
    #[serde(default)]
    pub rev: i64,
}

impl ChatMessage {
    /// A user's message as just stored: no reply, edit, votes, reactions or files yet.
    pub fn new_user(
        id: MessageId,
        conversation_id: ConversationId,
        seq: i64,
        sender_id: UserId,
        receiver_id: Option<UserId>,
        content: String,
        created_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            conversation_id,
            seq,
            sender_id,
            receiver_id,
            kind: MessageKind::User,
            system: None,
            content,
            reply_to: None,
            created_at,
            edited_at: None,
            deleted_at: None,
            votes: VoteCounts::default(),
            reactions: Vec::new(),
            attachments: Vec::new(),
            rev: 0,
        }
    }
}

/// A message was durably stored. Published in `seq` order per conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSent {
    /// The stored message.
    pub message: ChatMessage,
}

impl Event for MessageSent {
    const EXCHANGE: Exchange = Exchange::MessageEvents;
    const ROUTING_KEY: &'static str = "message.sent";
}

/// A reader's watermark moved forward.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRead {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Who read.
    pub reader_id: UserId,
    /// Everything up to and including this `seq` is read.
    pub seq: i64,
}

impl Event for MessageRead {
    const EXCHANGE: Exchange = Exchange::MessageEvents;
    const ROUTING_KEY: &'static str = "message.read";
}

/// A vote was cast, switched or withdrawn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageVoted {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Which message.
    pub message_id: MessageId,
    /// Who voted.
    pub voter_id: UserId,
    /// Their vote now; `null` when they withdrew it.
    pub vote: Option<Vote>,
    /// Up-votes after the change.
    pub up: i64,
    /// Down-votes after the change.
    pub down: i64,
}

impl Event for MessageVoted {
    const EXCHANGE: Exchange = Exchange::MessageEvents;
    const ROUTING_KEY: &'static str = "message.voted";
}

/// A member's delivered watermark moved forward: a device of theirs has everything up to `seq`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDelivered {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Whose devices.
    pub user_id: UserId,
    /// Everything up to and including this `seq` reached them.
    pub seq: i64,
}

impl Event for MessageDelivered {
    const EXCHANGE: Exchange = Exchange::MessageEvents;
    const ROUTING_KEY: &'static str = "message.delivered";
}

/// A message's text was edited by its sender.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageEdited {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Which message.
    pub message_id: MessageId,
    /// The new text.
    pub content: String,
    /// When.
    pub edited_at: DateTime<Utc>,
    /// Who (its sender).
    pub editor_id: UserId,
}

impl Event for MessageEdited {
    const EXCHANGE: Exchange = Exchange::MessageEvents;
    const ROUTING_KEY: &'static str = "message.edited";
}

/// A message was deleted (it stays as a tombstone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDeleted {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Which message.
    pub message_id: MessageId,
    /// Who deleted it: its sender, or a group's owner or admin.
    pub deleted_by: UserId,
}

impl Event for MessageDeleted {
    const EXCHANGE: Exchange = Exchange::MessageEvents;
    const ROUTING_KEY: &'static str = "message.deleted";
}

/// A reaction was added or taken back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageReacted {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Which message.
    pub message_id: MessageId,
    /// Who reacted.
    pub user_id: UserId,
    /// With what.
    pub emoji: String,
    /// Added (true) or taken back (false).
    pub added: bool,
}

impl Event for MessageReacted {
    const EXCHANGE: Exchange = Exchange::MessageEvents;
    const ROUTING_KEY: &'static str = "message.reacted";
}
