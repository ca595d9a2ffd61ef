//! A notification: the contract's object, and what a `message.sent` makes of one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::events::{ChatMessage, ConversationKind, MessageKind};
use shared::ids::{ConversationId, MessageId, UserId};
use uuid::Uuid;

use super::preview;

/// A stored notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NotificationId(Uuid);

impl NotificationId {
    /// A new, time-ordered id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    /// The id as it is stored.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl Default for NotificationId {
    fn default() -> Self {
        Self::new()
    }
}

impl From<Uuid> for NotificationId {
    fn from(value: Uuid) -> Self {
        Self(value)
    }
}

impl std::fmt::Display for NotificationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a notification is about. Only new messages, for now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationKind {
    /// A message arrived for the owner.
    Message,
}

impl NotificationKind {
    /// As stored and on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
        }
    }

    /// From its stored name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "message" => Some(Self::Message),
            _ => None,
        }
    }
}

/// `{id, type, conversationId, conversationKind, conversationName, messageId, senderId,
/// senderUsername, preview, createdAt, readAt}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The notification.
    pub id: NotificationId,
    /// What it is about.
    #[serde(rename = "type")]
    pub kind: NotificationKind,
    /// The message's conversation.
    pub conversation_id: ConversationId,
    /// Direct or group.
    pub conversation_kind: ConversationKind,
    /// The group's name (as it is now); null for a direct conversation.
    pub conversation_name: Option<String>,
    /// The message.
    pub message_id: MessageId,
    /// Who wrote it.
    pub sender_id: UserId,
    /// Their username; empty while this service has not yet heard of them.
    pub sender_username: String,
    /// The first characters of the message.
    pub preview: String,
    /// When the message was stored.
    pub created_at: DateTime<Utc>,
    /// When the owner read it; `null` while unread.
    pub read_at: Option<DateTime<Utc>>,
}

/// A notification about to be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotification {
    /// Its id, if it is new.
    pub id: NotificationId,
    /// Whose it is: the message's receiver, or a member of its group.
    pub owner: UserId,
    /// What it is about.
    pub kind: NotificationKind,
    /// The message's conversation.
    pub conversation_id: ConversationId,
    /// The message.
    pub message_id: MessageId,
    /// Its position in the conversation.
    pub seq: i64,
    /// Who wrote it.
    pub sender_id: UserId,
    /// The first characters of the message.
    pub preview: String,
    /// When the message was stored.
    pub created_at: DateTime<Utc>,
}

impl NewNotification {
    /// The notification a user's `message` gives `owner` (its receiver, or a member of its
    /// group); `None` for a system message, or for the sender, whom it tells nothing new.
    pub fn of(message: &ChatMessage, owner: UserId) -> Option<Self> {
        (owner != message.sender_id && message.kind == MessageKind::User).then(|| Self {
            id: NotificationId::new(),
            owner,
            kind: NotificationKind::Message,
            conversation_id: message.conversation_id,
            message_id: message.id,
            seq: message.seq,
            sender_id: message.sender_id,
            preview: preview::of_message(&message.content, &message.attachments),
            created_at: message.created_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(sender: UserId, receiver: UserId) -> ChatMessage {
        ChatMessage::new_user(
            MessageId::new(),
            ConversationId::new(),
            3,
            sender,
            Some(receiver),
            "hello".into(),
            Utc::now(),
        )
    }

    #[test]
    fn a_message_notifies_its_receiver() {
        let (ann, bob) = (UserId::new(), UserId::new());
        let message = message(ann, bob);
        let new = NewNotification::of(&message, message.receiver_id.unwrap()).unwrap();
        assert_eq!(new.owner, bob);
        assert_eq!(new.sender_id, ann);
        assert_eq!(new.message_id, message.id);
        assert_eq!(new.seq, 3);
        assert_eq!(new.preview, "hello");
    }

    #[test]
    fn a_message_to_oneself_notifies_no_one() {
        let ann = UserId::new();
        assert_eq!(NewNotification::of(&message(ann, ann), ann), None);
    }

    #[test]
    fn a_notification_has_the_contract_shape() {
        let notification = Notification {
            id: NotificationId::new(),
            kind: NotificationKind::Message,
            conversation_id: ConversationId::new(),
            conversation_kind: ConversationKind::Direct,
            conversation_name: None,
            message_id: MessageId::new(),
            sender_id: UserId::new(),
            sender_username: "ann".into(),
            preview: "hi".into(),
            created_at: Utc::now(),
            read_at: None,
        };
        let json = serde_json::to_value(&notification).unwrap();
        let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "conversationId",
                "conversationKind",
                "conversationName",
                "createdAt",
                "id",
                "messageId",
                "preview",
                "readAt",
                "senderId",
                "senderUsername",
                "type"
            ]
        );
        assert_eq!(json["type"], "message");
        assert_eq!(json["readAt"], serde_json::Value::Null);
        let back: Notification = serde_json::from_value(json).unwrap();
        assert_eq!(back, notification);
    }
}
