//! The opaque cursors of messages' lists: the conversation list (by `(updatedAt, id)`, most
//! recently active first), a group's member list (owner, admins, members, each by username)
//! and search results (by `(createdAt, seq, id)`, newest first). Encoded and checked by the one
//! codec every list uses, [`shared::http::cursor`].

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

/// Where the next page of a group's members starts: after this (role rank, lower-cased
/// username, id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberCursor {
    /// 0 owner, 1 admin, 2 member.
    #[serde(rename = "r")]
    pub rank: i32,
    /// As the database lower-cased it.
    #[serde(rename = "u", with = "cursor::text")]
    pub username_lower: String,
    /// The last row's user.
    pub id: shared::ids::UserId,
}

impl CursorPosition for MemberCursor {
    const LIST: &'static str = "members";
}

/// Where the next page of search results starts: after this (createdAt, seq, id), newest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchCursor {
    /// The last result's time.
    #[serde(rename = "t", with = "cursor::time")]
    pub created_at: DateTime<Utc>,
    /// The last result's seq.
    #[serde(rename = "s")]
    pub seq: i64,
    /// The last result's id.
    pub id: Uuid,
}

impl CursorPosition for SearchCursor {
    const LIST: &'static str = "search";
}
