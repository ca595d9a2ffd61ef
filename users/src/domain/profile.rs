//! What a client sees of a user: `{id, username, status, lastSeenAt}`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::ids::UserId;

/// Whether a user has at least one open connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// At least one socket open.
    Online,
    /// None open (or never seen).
    Offline,
}

impl Status {
    /// As stored and as on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Offline => "offline",
        }
    }

    /// From its stored form.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "online" => Some(Self::Online),
            "offline" => Some(Self::Offline),
            _ => None,
        }
    }
}

/// One user of the directory, as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    /// Their account id.
    pub id: UserId,
    /// As typed at sign-up.
    pub username: String,
    /// Online or offline.
    pub status: Status,
    /// When their last connection went away; `null` if never seen offline.
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// One page of `GET /api/users`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsersPage {
    /// In the requested order.
    pub users: Vec<UserProfile>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_serializes_in_the_contract_shape() {
        let id = UserId::new();
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .with_timezone(&Utc);
        let profile = UserProfile {
            id,
            username: "Alice".into(),
            status: Status::Offline,
            last_seen_at: Some(at),
        };
        assert_eq!(
            serde_json::to_value(&profile).unwrap(),
            serde_json::json!({"id": id.to_string(), "username": "Alice", "status": "offline",
                "lastSeenAt": "2026-01-02T03:04:05Z"})
        );
        let page = UsersPage {
            users: vec![],
            next_cursor: None,
        };
        assert_eq!(
            serde_json::to_value(&page).unwrap(),
            serde_json::json!({"users": [], "nextCursor": null})
        );
    }

    #[test]
    fn statuses_round_trip_through_their_stored_form() {
        for status in [Status::Online, Status::Offline] {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("away"), None);
    }
}
