//! The opaque `cursor` of the listing: where the previous page ended. The listing is ordered by
//! `(createdAt, id)`, newest first, and a page starts strictly after the previous page's last
//! row. Encoded and checked by the one codec every list uses, [`shared::http::cursor`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::http::cursor::{self, CursorPosition};

use super::NotificationId;

/// Continue the listing after this row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    /// The last row's `created_at`.
    #[serde(rename = "t", with = "cursor::time")]
    pub created_at: DateTime<Utc>,
    /// The last row's id, the tie-break.
    pub id: NotificationId,
}

impl CursorPosition for Cursor {
    const LIST: &'static str = "notifications";
}
