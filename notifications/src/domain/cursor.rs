//! The opaque `cursor` of the listing: where the previous page ended.
//!
//! The listing is ordered by `(createdAt, id)`, newest first, and a page starts strictly after
//! the previous page's last row. The cursor is base64url (no padding) of a small JSON object
//! holding that row's `created_at` (in microseconds, the precision Postgres keeps) and id.
//! Clients must not look inside. A forged cursor can only choose where a listing of the
//! caller's own notifications starts, so it is not signed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike as _, Utc};
use serde::{Deserialize, Serialize};

use super::NotificationId;

/// Continue the listing after this row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cursor {
    /// The last row's `created_at`.
    pub created_at: DateTime<Utc>,
    /// The last row's id, the tie-break.
    pub id: NotificationId,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    #[serde(rename = "t")]
    micros: i64,
    #[serde(rename = "id")]
    id: NotificationId,
}

impl Cursor {
    /// A cursor is a few dozen bytes; anything far longer is not one of ours.
    const MAX_ENCODED_LEN: usize = 256;

    /// The opaque string a client passes back.
    pub fn encode(&self) -> String {
        let wire = Wire {
            micros: self.created_at.timestamp_micros(),
            id: self.id,
        };
        // A number and a UUID always serialise.
        let json = serde_json::to_vec(&wire).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads a cursor made by [`Self::encode`]; `None` for anything else.
    pub fn decode(value: &str) -> Option<Self> {
        if value.len() > Self::MAX_ENCODED_LEN {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(value).ok()?;
        let wire: Wire = serde_json::from_slice(&json).ok()?;
        let created_at = DateTime::from_timestamp_micros(wire.micros)?;
        // Within what Postgres can compare against, so a forged cursor is a 400, not a 500.
        (1..=9999).contains(&created_at.year()).then_some(Self {
            created_at,
            id: wire.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor() -> Cursor {
        let now = Utc::now();
        Cursor {
            created_at: DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap(),
            id: NotificationId::new(),
        }
    }

    #[test]
    fn a_cursor_survives_the_round_trip() {
        let original = cursor();
        let encoded = original.encode();
        assert!(
            encoded
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "URL-safe without escaping: {encoded}"
        );
        assert_eq!(Cursor::decode(&encoded), Some(original));
    }

    #[test]
    fn garbage_is_not_a_cursor() {
        for value in [
            "",
            "garbage",
            "!!!",
            "eyJ9",
            &URL_SAFE_NO_PAD.encode(br#"{"t":1}"#),
            &URL_SAFE_NO_PAD.encode(br#"{"t":"x","id":"00000000-0000-0000-0000-000000000000"}"#),
            &URL_SAFE_NO_PAD.encode(
                br#"{"t":9223372036854775807,"id":"00000000-0000-0000-0000-000000000000"}"#,
            ),
            &URL_SAFE_NO_PAD.encode(
                br#"{"t":-9000000000000000000,"id":"00000000-0000-0000-0000-000000000000"}"#,
            ),
            &"A".repeat(2000),
        ] {
            assert_eq!(Cursor::decode(value), None, "{value:?}");
        }
    }
}
