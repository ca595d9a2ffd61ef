//! The opaque `cursor` of keyset pagination: where the previous page ended, as the last row's
//! sort key (status, lower-cased username, id) and the order it was made for. Encoded and
//! checked by the one codec every list uses, [`shared::http::cursor`]; a cursor of another
//! order is refused by the query's parser.

use serde::{Deserialize, Serialize};
use shared::http::cursor::{self, CursorPosition};
use shared::ids::UserId;

use super::{Direction, SortKey, Status};

/// A row's place in every order the listing supports.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Position {
    /// The status part of `sort=status`.
    #[serde(rename = "st")]
    pub status: Status,
    /// As the database lower-cased it (it goes back into a query).
    #[serde(rename = "u", with = "cursor::text")]
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

impl CursorPosition for Cursor {
    const LIST: &'static str = "users";
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
        let encoded = cursor::encode(&original);
        assert_eq!(cursor::decode::<Cursor>(&encoded), Some(original));
    }

    #[test]
    fn a_cursor_with_a_control_character_in_its_username_is_refused() {
        let mut forged = cursor();
        forged.after.username_lower = "a\u{0}b".into();
        assert_eq!(cursor::decode::<Cursor>(&cursor::encode(&forged)), None);
    }
}
