//! The opaque `cursor` of keyset pagination: where the previous page ended.
//!
//! It is base64url (no padding) of a small JSON object holding the last row's sort key (status,
//! lower-cased username, id) and the order it was made for. Clients must not look inside; the
//! format may change. A forged cursor can only choose where a listing starts, which any client
//! may do anyway, so it is not signed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use shared::ids::UserId;

use super::{Direction, SortKey, Status};

/// A row's place in every order the listing supports.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Position {
    /// The status part of `sort=status`.
    #[serde(rename = "st")]
    pub status: Status,
    /// As the database lower-cased it.
    #[serde(rename = "u")]
    pub username_lower: String,
    /// The final tie-break.
    #[serde(rename = "id")]
    pub id: UserId,
}

/// Continue a listing after `after`, in the order the cursor was made for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    /// The order the cursor belongs to; a cursor is refused under another order.
    #[serde(rename = "s")]
    pub sort: SortKey,
    /// Its direction.
    #[serde(rename = "d")]
    pub direction: Direction,
    /// The last row of the previous page.
    #[serde(rename = "a")]
    pub after: Position,
}

impl Cursor {
    /// A cursor is a few dozen bytes; anything far longer is not one of ours.
    const MAX_ENCODED_LEN: usize = 512;

    /// The opaque string a client passes back.
    pub fn encode(&self) -> String {
        // Serializing plain strings, enums and a UUID cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads a cursor made by [`Self::encode`]; `None` for anything else.
    pub fn decode(value: &str) -> Option<Self> {
        if value.len() > Self::MAX_ENCODED_LEN {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(value).ok()?;
        let cursor: Self = serde_json::from_slice(&json).ok()?;
        // The username goes back into a query: keep out what Postgres text cannot hold.
        if cursor.after.username_lower.chars().any(char::is_control) {
            return None;
        }
        Some(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor() -> Cursor {
        Cursor {
            sort: SortKey::Username,
            direction: Direction::Desc,
            after: Position {
                status: Status::Online,
                username_lower: "bob_the-builder.2".into(),
                id: UserId::new(),
            },
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
            &URL_SAFE_NO_PAD.encode(br#"{"s":"status"}"#),
            &URL_SAFE_NO_PAD.encode(br#"{"s":"age","d":"asc","a":{}}"#),
            &"A".repeat(2000),
        ] {
            assert_eq!(Cursor::decode(value), None, "{value:?}");
        }
    }

    #[test]
    fn a_cursor_with_a_control_character_in_its_username_is_refused() {
        let mut forged = cursor();
        forged.after.username_lower = "a\u{0}b".into();
        assert_eq!(Cursor::decode(&forged.encode()), None);
    }
}
