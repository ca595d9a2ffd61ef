//! The contract's `conversation` object (section 6), as one member sees it. messages builds it
//! for HTTP answers; socket-handler for `conversation.updated` frames, from one shared copy and
//! each recipient's own [`MemberView`], so a change to a 256-member group is one delivery.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::events::{ChatMessage, ConversationKind, Role};
use crate::ids::{ConversationId, UserId};

/// The other participant of a direct conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// Their id.
    pub id: UserId,
    /// Their username.
    pub username: String,
}

/// `{id, kind, name, topic, peer, memberCount, myRole, rev, lastMessage, unreadCount,
/// lastReadSeq, lastDeliveredSeq, peerLastReadSeq, peerLastDeliveredSeq, createdAt, updatedAt}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    /// The conversation.
    pub id: ConversationId,
    /// Direct or group.
    pub kind: ConversationKind,
    /// A group's name; null for a direct conversation.
    pub name: Option<String>,
    /// A group's topic; null for a direct conversation.
    pub topic: Option<String>,
    /// The other participant of a direct conversation; null for a group.
    pub peer: Option<Peer>,
    /// How many members.
    pub member_count: i64,
    /// The viewer's role in a group; null for a direct conversation.
    pub my_role: Option<Role>,
    /// Grows with every change in the conversation.
    pub rev: i64,
    /// The message with the highest `seq`, of any kind.
    pub last_message: Option<ChatMessage>,
    /// The viewer's unread messages.
    pub unread_count: i64,
    /// The viewer's read watermark.
    pub last_read_seq: i64,
    /// The viewer's delivered watermark.
    pub last_delivered_seq: i64,
    /// The peer's read watermark; null for a group.
    pub peer_last_read_seq: Option<i64>,
    /// The peer's delivered watermark; null for a group.
    pub peer_last_delivered_seq: Option<i64>,
    /// When it began.
    pub created_at: DateTime<Utc>,
    /// When its newest message arrived (or it changed).
    pub updated_at: DateTime<Utc>,
}

/// What differs between the members' views of one group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    /// The member.
    pub user_id: UserId,
    /// Their role.
    pub role: Role,
    /// Their unread messages.
    pub unread_count: i64,
    /// Their read watermark.
    pub last_read_seq: i64,
    /// Their delivered watermark.
    pub last_delivered_seq: i64,
}

impl Conversation {
    /// The conversation as `view`'s member sees it.
    pub fn seen_by(&self, view: &MemberView) -> Self {
        Self {
            my_role: Some(view.role),
            unread_count: view.unread_count,
            last_read_seq: view.last_read_seq,
            last_delivered_seq: view.last_delivered_seq,
            ..self.clone()
        }
    }
}
