//! The opaque `cursor` of the conversation list: where the previous page ended, as the last
//! row's `(updatedAt, id)` (most recently active first). Encoded and checked by the one codec
//! every list uses, [`shared::http::cursor`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::http::cursor::{self, CursorPosition};
use uuid::Uuid;

/// Where the next page of conversations starts: after this (updatedAt, id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageCursor {
    /// The last row's activity time.
    #[serde(rename = "t", with = "cursor::time")]
    pub updated_at: DateTime<Utc>,
    /// The last row's id.
    pub id: Uuid,
}

impl CursorPosition for PageCursor {
    const LIST: &'static str = "conversations";
}
