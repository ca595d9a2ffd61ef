//! What a push says, in one place: its body `{type: "notification", notification}` (the same
//! object as the socket's `notification` frame, so new fields of a notification, such as a
//! group's name, reach pushes without touching this), cut to fit, and its headers' values.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use shared::ids::ConversationId;

use crate::domain::Notification;
use crate::frames::ServerFrame;

/// The most bytes a push body may have before encryption: 4,096 bytes of record minus the
/// `aes128gcm` header (86 bytes with a 65-byte key id), the padding delimiter (1) and the tag
/// (16), as the contract says.
pub const MAX_PAYLOAD_BYTES: usize = 3993;

/// How long a push service keeps an undelivered push (`TTL`): one day.
pub const TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// `Urgency` (RFC 8030 section 5.3).
pub const URGENCY: &str = "normal";

/// A push, ready to encrypt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushMessage {
    /// The JSON body, at most [`MAX_PAYLOAD_BYTES`].
    pub body: Vec<u8>,
    /// `Topic`: a newer push of the same conversation replaces an undelivered older one.
    pub topic: String,
}

impl PushMessage {
    /// The push of `notification`; its preview is cut (at a character boundary, marked with
    /// `…`) until the body fits. `None` if even an empty preview does not fit, which the
    /// notification's other, bounded fields make impossible short of a bug.
    pub fn of(notification: &Notification) -> Option<Self> {
        let topic = topic(notification.conversation_id);
        let body = body_of(notification);
        if body.len() <= MAX_PAYLOAD_BYTES {
            return Some(Self { body, topic });
        }
        // The longest prefix of the preview whose body fits: bodies grow with the prefix, so a
        // binary search over character counts finds it in a few serialisations.
        let chars: Vec<(usize, char)> = notification.preview.char_indices().collect();
        let mut cut = notification.clone();
        let (mut fits, mut too_long) = (0usize, chars.len());
        let mut best = None;
        while fits <= too_long {
            let middle = fits + (too_long - fits) / 2;
            let end = chars
                .get(middle)
                .map_or(notification.preview.len(), |(i, _)| *i);
            cut.preview = format!("{}…", &notification.preview[..end]);
            let candidate = body_of(&cut);
            if candidate.len() <= MAX_PAYLOAD_BYTES {
                best = Some(candidate);
                fits = middle + 1;
            } else if middle == 0 {
                break;
            } else {
                too_long = middle - 1;
            }
        }
        best.map(|body| Self { body, topic })
    }
}

/// The conversation id's 16 bytes in base64url: 22 characters, within RFC 8030's 32.
pub fn topic(conversation: ConversationId) -> String {
    URL_SAFE_NO_PAD.encode(conversation.as_uuid().as_bytes())
}

fn body_of(notification: &Notification) -> Vec<u8> {
    ServerFrame::Notification { notification }
        .to_text()
        .as_bytes()
        .to_vec()
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use shared::ids::{MessageId, UserId};

    use super::*;
    use shared::events::ConversationKind;

    use crate::domain::{NotificationId, NotificationKind};

    fn notification(preview: &str) -> Notification {
        Notification {
            id: NotificationId::new(),
            kind: NotificationKind::Message,
            conversation_id: ConversationId::new(),
            conversation_kind: ConversationKind::Direct,
            conversation_name: None,
            message_id: MessageId::new(),
            sender_id: UserId::new(),
            sender_username: "ann".into(),
            preview: preview.into(),
            created_at: Utc::now(),
            read_at: None,
        }
    }

    #[test]
    fn a_push_is_the_notification_frame() {
        let notification = notification("hello");
        let push = PushMessage::of(&notification).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&push.body).unwrap();
        assert_eq!(json["type"], "notification");
        assert_eq!(
            json["notification"],
            serde_json::to_value(&notification).unwrap()
        );
    }

    #[test]
    fn the_topic_is_the_conversation_ids_bytes() {
        let conversation = ConversationId::new();
        let topic = topic(conversation);
        assert_eq!(topic.len(), 22);
        assert!(topic.len() <= 32);
        assert_eq!(
            URL_SAFE_NO_PAD.decode(&topic).unwrap(),
            conversation.as_uuid().as_bytes()
        );
        assert!(
            topic
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn a_long_preview_is_cut_to_fit_and_the_json_stays_whole() {
        // Control characters take six bytes each once escaped, emoji four.
        for unit in ["x", "🙂", "\u{1}", "\""] {
            let long = notification(&unit.repeat(5000));
            let push = PushMessage::of(&long).unwrap();
            assert!(push.body.len() <= MAX_PAYLOAD_BYTES, "{unit:?}");
            let json: serde_json::Value = serde_json::from_slice(&push.body).unwrap();
            let preview = json["notification"]["preview"].as_str().unwrap();
            assert!(preview.ends_with('…'));
            assert!(long.preview.starts_with(preview.trim_end_matches('…')));
            // As long as fits: one more character would not.
            let mut longer = long.clone();
            let kept = preview.chars().count() - 1;
            longer.preview = format!(
                "{}…",
                long.preview.chars().take(kept + 1).collect::<String>()
            );
            assert!(body_of(&longer).len() > MAX_PAYLOAD_BYTES, "{unit:?}");
        }
    }
}
