//! The opaque `cursor` of every keyset-paginated list: one format and one set of checks.
//!
//! A cursor is base64url (no padding) of a small JSON object `{"l": list, "p": position}`: the
//! list it was made for and the last row's place in that list's order. Clients must not look
//! inside, and the format may change. It is not signed: a forged cursor can only choose where a
//! listing of what the caller may see anyway starts. Anything else is refused, as a 400 and
//! never a 500: text that is not base64url JSON, longer than any cursor we make, made for
//! another list, or holding a value the database cannot compare (a time outside the years 1 to
//! 9999, text with a control character: see [`time`] and [`text`]).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A place in one list's order, as a cursor carries it.
pub trait CursorPosition: Serialize + DeserializeOwned {
    /// Which list it belongs to; a cursor of another list is refused.
    const LIST: &'static str;
}

/// Our cursors are a few dozen bytes; anything far longer is not one of ours.
const MAX_ENCODED_LEN: usize = 512;

/// What a client is told about a cursor that is not one.
pub const INVALID_CURSOR: &str = "This is not a cursor from a previous page.";

#[derive(Serialize, Deserialize)]
struct Wire<P> {
    #[serde(rename = "l")]
    list: String,
    #[serde(rename = "p")]
    position: P,
}

/// The opaque string a client passes back to continue after `position`.
pub fn encode<P: CursorPosition>(position: &P) -> String {
    let wire = Wire {
        list: P::LIST.to_owned(),
        position,
    };
    // Positions are plain data (numbers, ids, strings): serialising them cannot fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&wire).unwrap_or_default())
}

/// Reads a cursor that [`encode`] made for the list of `P`; `None` for anything else.
pub fn decode<P: CursorPosition>(raw: &str) -> Option<P> {
    if raw.len() > MAX_ENCODED_LEN {
        return None;
    }
    let json = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let wire: Wire<P> = serde_json::from_slice(&json).ok()?;
    (wire.list == P::LIST).then_some(wire.position)
}

/// The `cursor` query parameter: absent or empty is the first page, as in every listing;
/// anything else must be a cursor of this list ([`INVALID_CURSOR`] otherwise).
pub fn parse_param<P: CursorPosition>(raw: Option<&str>) -> Result<Option<P>, &'static str> {
    match raw.filter(|value| !value.is_empty()) {
        None => Ok(None),
        Some(value) => decode(value).map(Some).ok_or(INVALID_CURSOR),
    }
}

/// A time in a cursor (`#[serde(with = "cursor::time")]`): microseconds, the precision
/// Postgres keeps, and only within what Postgres can compare against.
pub mod time {
    use chrono::{DateTime, Datelike as _, Utc};
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Writes the microseconds.
    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(at.timestamp_micros())
    }

    /// Reads microseconds within the years 1 to 9999.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let micros = i64::deserialize(deserializer)?;
        DateTime::from_timestamp_micros(micros)
            .filter(|at| (1..=9999).contains(&at.year()))
            .ok_or_else(|| D::Error::custom("a time out of range"))
    }
}

/// Text in a cursor (`#[serde(with = "cursor::text")]`), which goes back into a query: nothing
/// Postgres text cannot hold, no control characters.
pub mod text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Writes the text.
    pub fn serialize<S: Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(text)
    }

    /// Reads text without control characters.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.chars().any(char::is_control) {
            return Err(D::Error::custom("a control character"));
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Here {
        #[serde(with = "time")]
        at: DateTime<Utc>,
        #[serde(with = "text")]
        name: String,
        id: Uuid,
    }

    impl CursorPosition for Here {
        const LIST: &'static str = "here";
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Elsewhere {
        #[serde(with = "time")]
        at: DateTime<Utc>,
        #[serde(with = "text")]
        name: String,
        id: Uuid,
    }

    impl CursorPosition for Elsewhere {
        const LIST: &'static str = "elsewhere";
    }

    fn here() -> Here {
        Here {
            at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            name: "bob_the-builder.2".into(),
            id: Uuid::now_v7(),
        }
    }

    #[test]
    fn a_cursor_survives_the_round_trip_and_needs_no_escaping() {
        let encoded = encode(&here());
        assert!(
            encoded
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{encoded}"
        );
        let decoded: Here = decode(&encoded).unwrap();
        assert_eq!(
            decoded,
            Here {
                id: decoded.id,
                ..here()
            }
        );
    }

    #[test]
    fn a_cursor_of_another_list_is_refused() {
        let h = here();
        let theirs = encode(&Elsewhere {
            at: h.at,
            name: h.name,
            id: h.id,
        });
        assert_eq!(decode::<Here>(&theirs), None);
    }

    #[test]
    fn forged_truncated_and_oversized_cursors_are_refused() {
        let good = encode(&here());
        let wire = |json: &str| URL_SAFE_NO_PAD.encode(json);
        for bad in [
            "garbage".to_owned(),
            "!!!".to_owned(),
            "eyJ9".to_owned(),
            good[..good.len() / 2].to_owned(),
            format!("{good}AAAA"),
            "A".repeat(2000),
            wire(r#"{"l":"here"}"#),
            wire(
                r#"{"l":"here","p":{"at":"x","name":"a","id":"00000000-0000-0000-0000-000000000000"}}"#,
            ),
            wire(
                r#"{"l":"here","p":{"at":9223372036854775807,"name":"a","id":"00000000-0000-0000-0000-000000000000"}}"#,
            ),
            wire(
                r#"{"l":"here","p":{"at":-9000000000000000000,"name":"a","id":"00000000-0000-0000-0000-000000000000"}}"#,
            ),
            wire(
                r#"{"l":"here","p":{"at":1,"name":"a\u0000b","id":"00000000-0000-0000-0000-000000000000"}}"#,
            ),
            wire(r#"{"l":"here","p":{"at":1,"name":"a","id":"not-a-uuid"}}"#),
        ] {
            assert_eq!(decode::<Here>(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn an_empty_parameter_is_the_first_page() {
        assert_eq!(parse_param::<Here>(None), Ok(None));
        assert_eq!(parse_param::<Here>(Some("")), Ok(None));
        assert_eq!(parse_param::<Here>(Some("nope")), Err(INVALID_CURSOR));
    }
}
