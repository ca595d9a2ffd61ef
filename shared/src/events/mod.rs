//! The public events on RabbitMQ (contract section 5). Outside consumers read them, so their
//! JSON is a versioned contract: the snapshot tests below make any change to it show in review.
//!
//! Every event type names its exchange and routing key once, as constants on the type; the
//! publisher and the consumer both read them from there.

mod conversation;
mod message;
mod user;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::ids::EventId;

pub use conversation::{
    ConversationCreated, ConversationKind, ConversationUpdated, MemberAdded, MemberRemoved,
    RemovalReason, RoleChanged,
};
pub use message::{
    Attachment, ChatMessage, MessageDeleted, MessageDelivered, MessageEdited, MessageKind,
    MessageReacted, MessageRead, MessageSent, MessageVoted, ReactionCount, ReplyTo, Role,
    SystemEvent, SystemInfo, Vote, VoteCounts,
};
pub use user::{UserLoggedIn, UserOffline, UserOnline, UserRegistered, UserSignedOut};

/// The two durable topic exchanges of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exchange {
    /// Accounts, sessions and presence.
    UserEvents,
    /// Messages, conversations, watermarks, votes and reactions.
    MessageEvents,
}

impl Exchange {
    /// The exchange's public name (before any test namespace).
    pub const fn name(self) -> &'static str {
        match self {
            Self::UserEvents => "UserEventsExchange",
            Self::MessageEvents => "MessageEventsExchange",
        }
    }

    /// Both exchanges.
    pub const ALL: [Exchange; 2] = [Self::UserEvents, Self::MessageEvents];
}

/// The envelope `version` this code writes and understands.
pub const ENVELOPE_VERSION: u32 = 1;

/// A public event: its payload type, exchange and routing key.
pub trait Event: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The exchange it is published on.
    const EXCHANGE: Exchange;
    /// Its routing key, which is also the envelope's `type`.
    const ROUTING_KEY: &'static str;
}

/// `{id, type, version, occurredAt, data}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    /// Unique per event; consumers dedupe by it. Equals the AMQP `message_id`.
    pub id: EventId,
    /// The routing key. Equals the AMQP `type` property.
    #[serde(rename = "type")]
    pub kind: String,
    /// The envelope and payload version.
    pub version: u32,
    /// When the fact happened (not when it was published).
    pub occurred_at: DateTime<Utc>,
    /// The event itself.
    pub data: T,
}

impl<T: Event> Envelope<T> {
    /// A new event that happened now.
    pub fn new(data: T) -> Self {
        Self::at(data, Utc::now())
    }

    /// A new event that happened at `occurred_at`.
    pub fn at(data: T, occurred_at: DateTime<Utc>) -> Self {
        Self {
            id: EventId::new(),
            kind: T::ROUTING_KEY.to_owned(),
            version: ENVELOPE_VERSION,
            occurred_at,
            data,
        }
    }
}

/// Why a delivery could not be read as the event its queue carries.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON, or not this event's shape.
    #[error("malformed event: {0}")]
    Malformed(#[from] serde_json::Error),
    /// The envelope names another event.
    #[error("expected event type {expected}, got {actual}")]
    WrongType {
        /// What the queue carries.
        expected: &'static str,
        /// What the envelope said.
        actual: String,
    },
    /// A version this code does not understand.
    #[error("unsupported event version {0}")]
    UnsupportedVersion(u32),
}

/// Reads an envelope, tolerating unknown extra fields (the contract requires it).
pub fn decode<T: Event>(payload: &[u8]) -> Result<Envelope<T>, DecodeError> {
    let envelope: Envelope<T> = serde_json::from_slice(payload)?;
    if envelope.kind != T::ROUTING_KEY {
        return Err(DecodeError::WrongType {
            expected: T::ROUTING_KEY,
            actual: envelope.kind,
        });
    }
    if envelope.version != ENVELOPE_VERSION {
        return Err(DecodeError::UnsupportedVersion(envelope.version));
    }
    Ok(envelope)
}

#[cfg(test)]
mod wire_format;
