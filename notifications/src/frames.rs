//! The frames of `/ws/notifications` (contract section 4).

use chrono::{DateTime, Utc};
use serde::Serialize;
use shared::ids::UserId;

use crate::domain::Notification;

/// `online` or `offline`.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// At least one socket open.
    Online,
    /// None.
    Offline,
}

/// Server → client frames.
#[derive(Debug, Serialize)]
#[serde(tag = "type")]
pub enum ServerFrame<'a> {
    /// A user's first socket opened or last one closed.
    #[serde(rename = "presence", rename_all = "camelCase")]
    Presence {
        /// Who.
        user_id: UserId,
        /// Their username.
        username: &'a str,
        /// Now.
        status: Status,
        /// When they were last seen (the change's time).
        last_seen_at: DateTime<Utc>,
    },
    /// Someone signed up.
    #[serde(rename = "user.registered")]
    UserRegistered {
        /// The new user.
        user: NewUser<'a>,
    },
    /// A message arrived for this user.
    #[serde(rename = "notification")]
    Notification {
        /// As listed by `GET /api/notifications`.
        notification: &'a Notification,
    },
    /// The answer to `{type: "ping"}`.
    #[serde(rename = "pong")]
    Pong,
}

/// `{id, username, status}` of a new user.
#[derive(Debug, Serialize)]
pub struct NewUser<'a> {
    /// Their id.
    pub id: UserId,
    /// Their username.
    pub username: &'a str,
    /// Always `offline` at first: they go online when their first socket opens.
    pub status: Status,
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

    #[test]
    fn frames_have_the_contract_shape() {
        let user = UserId::new();
        let at = Utc::now();
        let presence = serde_json::to_value(ServerFrame::Presence {
            user_id: user,
            username: "ann",
            status: Status::Online,
            last_seen_at: at,
        })
        .unwrap();
        assert_eq!(presence["type"], "presence");
        assert_eq!(presence["userId"], user.to_string());
        assert_eq!(presence["status"], "online");
        assert!(presence["lastSeenAt"].is_string());
        let registered = serde_json::to_value(ServerFrame::UserRegistered {
            user: NewUser {
                id: user,
                username: "ann",
                status: Status::Offline,
            },
        })
        .unwrap();
        assert_eq!(registered["type"], "user.registered");
        assert_eq!(registered["user"]["status"], "offline");
        let notification = Notification {
            id: crate::domain::NotificationId::new(),
            kind: crate::domain::NotificationKind::Message,
            conversation_id: shared::ids::ConversationId::new(),
            conversation_kind: shared::events::ConversationKind::Group,
            conversation_name: Some("Launch".into()),
            message_id: shared::ids::MessageId::new(),
            sender_id: user,
            sender_username: "ann".into(),
            preview: "hi".into(),
            created_at: at,
            read_at: None,
        };
        let pushed = serde_json::to_value(ServerFrame::Notification {
            notification: &notification,
        })
        .unwrap();
        assert_eq!(pushed["type"], "notification");
        assert_eq!(
            pushed["notification"],
            serde_json::to_value(&notification).unwrap()
        );
        assert_eq!(
            serde_json::to_value(ServerFrame::Pong).unwrap(),
            serde_json::json!({"type": "pong"})
        );
    }
}
