//! Events of `MessageEventsExchange`, and the contract's `message` object they carry.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Event, Exchange};
use crate::ids::{ConversationId, MessageId, UserId};

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

/// The contract's `message` object: a stored chat message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    /// The message.
    pub id: MessageId,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// Its position in the conversation: 1, 2, 3, … with no gaps.
    pub seq: i64,
    /// Who wrote it.
    pub sender_id: UserId,
    /// Who it is for.
    pub receiver_id: UserId,
    /// The text, trimmed, 1 to 4,000 characters.
    pub content: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// Its votes.
    pub votes: VoteCounts,
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
