use base64::Engine as _;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Where the next page of conversations starts: after this (updatedAt, id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageCursor {
    /// The last row's activity time.
    pub updated_at: DateTime<Utc>,
    /// The last row's id.
    pub id: Uuid,
}

impl PageCursor {
    /// Opaque to clients: base64url of `micros:id`.
    pub fn encode(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            "{}:{}",
            self.updated_at.timestamp_micros(),
            self.id
        ))
    }

    /// Reads a cursor this service made.
    pub fn decode(raw: &str) -> Result<Self, &'static str> {
        const INVALID: &str = "This cursor is not valid.";
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw)
            .map_err(|_| INVALID)?;
        let text = String::from_utf8(bytes).map_err(|_| INVALID)?;
        let (micros, id) = text.split_once(':').ok_or(INVALID)?;
        let micros: i64 = micros.parse().map_err(|_| INVALID)?;
        Ok(Self {
            updated_at: DateTime::from_timestamp_micros(micros).ok_or(INVALID)?,
            id: id.parse().map_err(|_| INVALID)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let cursor = PageCursor {
            updated_at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            id: Uuid::now_v7(),
        };
        assert_eq!(PageCursor::decode(&cursor.encode()).unwrap(), cursor);
        for bad in ["", "!!!", "bm90LWEtY3Vyc29y", "MTIzOm5vdC1hLXV1aWQ"] {
            assert!(PageCursor::decode(bad).is_err(), "{bad}");
        }
    }
}
