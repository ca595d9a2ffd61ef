//! `sort` and `direction`: which key orders the listing, and which way.

use serde::{Deserialize, Serialize};

/// The primary order of a listing; the username (without case) and then the id break ties.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortKey {
    /// Online first (ascending), then by username. The contract's default.
    #[default]
    Status,
    /// By username, compared without case.
    Username,
}

impl SortKey {
    /// `status` or `username`, exactly (an absent or empty value means the default).
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "status" => Some(Self::Status),
            "username" => Some(Self::Username),
            _ => None,
        }
    }

    /// The name in the query string.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Username => "username",
        }
    }
}

/// Which way the primary order runs. For `sort=status`, `desc` puts offline users first and
/// keeps each group in ascending username order; for `sort=username` it reverses the whole list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The natural order (online first; A to Z).
    #[default]
    Asc,
    /// The reverse of it.
    Desc,
}

impl Direction {
    /// `asc` or `desc`, exactly.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "asc" => Some(Self::Asc),
            "desc" => Some(Self::Desc),
            _ => None,
        }
    }

    /// The name in the query string.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Asc => "asc",
            Self::Desc => "desc",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_names_parse_and_print_back() {
        for key in [SortKey::Status, SortKey::Username] {
            assert_eq!(SortKey::parse(key.as_str()), Some(key));
        }
        for direction in [Direction::Asc, Direction::Desc] {
            assert_eq!(Direction::parse(direction.as_str()), Some(direction));
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for value in ["", "Status", "name", "id", "status "] {
            assert_eq!(SortKey::parse(value), None, "{value:?}");
        }
        for value in ["", "ASC", "up", "descending"] {
            assert_eq!(Direction::parse(value), None, "{value:?}");
        }
    }

    #[test]
    fn the_default_order_is_online_first_ascending() {
        assert_eq!(SortKey::default(), SortKey::Status);
        assert_eq!(Direction::default(), Direction::Asc);
    }
}
