//! Events of group conversations on `MessageEventsExchange` (contract section 6). Each change is
//! also a system message in the conversation's timeline (`message.sent`), in `seq` order with
//! its messages.

use serde::{Deserialize, Serialize};

use super::message::Role;
use super::{Event, Exchange};
use crate::ids::{ConversationId, UserId};

/// A conversation's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversationKind {
    /// Two users, found by their pair.
    Direct,
    /// A name, 1 to `GROUP_MAX_MEMBERS` members with roles.
    Group,
}

impl ConversationKind {
    /// Its name in the database and on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Group => "group",
        }
    }
}

/// A group was created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationCreated {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Its kind.
    pub kind: ConversationKind,
    /// Its name.
    pub name: Option<String>,
    /// Who created it.
    pub owner_id: UserId,
    /// Its members, the owner included.
    pub member_ids: Vec<UserId>,
}

impl Event for ConversationCreated {
    const EXCHANGE: Exchange = Exchange::MessageEvents;
    const ROUTING_KEY: &'static str = "conversation.created";
}

/// A group's name or topic changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationUpdated {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Its name now.
    pub name: Option<String>,
    /// Its topic now.
    pub topic: Option<String>,
    /// Who changed it.
    pub actor_id: UserId,
}

impl Event for ConversationUpdated {
    const EXCHANGE: Exchange = Exchange::MessageEvents;
    const ROUTING_KEY: &'static str = "conversation.updated";
}

/// Members joined a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberAdded {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Who joined.
    pub user_ids: Vec<UserId>,
    /// Who added them.
    pub actor_id: UserId,
}

impl Event for MemberAdded {
    const EXCHANGE: Exchange = Exchange::MessageEvents;
    const ROUTING_KEY: &'static str = "conversation.member.added";
}

/// Why a member is no longer in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RemovalReason {
    /// They left.
    Left,
    /// An owner or admin removed them.
    Removed,
}

/// A member left or was removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRemoved {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Who is no longer a member.
    pub user_id: UserId,
    /// Who did it (the member themselves when they left).
    pub actor_id: UserId,
    /// Left or removed.
    pub reason: RemovalReason,
}

impl Event for MemberRemoved {
    const EXCHANGE: Exchange = Exchange::MessageEvents;
    const ROUTING_KEY: &'static str = "conversation.member.removed";
}

/// A member's role changed (a hand-over of ownership is two of these).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleChanged {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Whose role.
    pub user_id: UserId,
    /// The role now.
    pub role: Role,
    /// Who changed it.
    pub actor_id: UserId,
}

impl Event for RoleChanged {
    const EXCHANGE: Exchange = Exchange::MessageEvents;
    const ROUTING_KEY: &'static str = "conversation.role.changed";
}
