//! The query string of `GET /api/users`, checked as a whole.

use serde::Deserialize;
use shared::http::FieldErrors;
use shared::http::cursor;

use super::{Cursor, Direction, PageSize, SortKey, UsernamePrefix};

/// The query string as sent. Every field is text so that a bad value is reported per field
/// instead of failing the whole deserialization; unknown parameters are ignored.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListParams {
    /// `status` or `username`.
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub direction: Option<String>,
    /// A username prefix.
    pub q: Option<String>,
    /// 1 to 100.
    pub limit: Option<String>,
    /// From a previous page's `nextCursor`.
    pub cursor: Option<String>,
}

/// A valid listing request. An empty parameter (`?q=`) counts as absent.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListQuery {
    /// The primary order.
    pub sort: SortKey,
    /// Its direction.
    pub direction: Direction,
    /// Only users whose username starts with this, if given.
    pub prefix: Option<UsernamePrefix>,
    /// At most this many users.
    pub limit: PageSize,
    /// Where the previous page ended, if this is not the first page.
    pub cursor: Option<Cursor>,
}

impl ListQuery {
    /// Checks every parameter; on failure, says what is wrong with each bad one.
    pub fn parse(params: &ListParams) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let given = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());

        let sort = match given(&params.sort) {
            None => SortKey::default(),
            Some(value) => SortKey::parse(&value).unwrap_or_else(|| {
                errors.insert("sort".into(), "Use status or username.".into());
                SortKey::default()
            }),
        };
        let direction = match given(&params.direction) {
            None => Direction::default(),
            Some(value) => Direction::parse(&value).unwrap_or_else(|| {
                errors.insert("direction".into(), "Use asc or desc.".into());
                Direction::default()
            }),
        };
        let limit = PageSize::parse_param(params.limit.as_deref()).unwrap_or_else(|e| {
            errors.insert("limit".into(), e.into());
            PageSize::DEFAULT
        });
        let prefix = match UsernamePrefix::parse(params.q.as_deref().unwrap_or_default()) {
            Ok(prefix) => prefix,
            Err(message) => {
                errors.insert("q".into(), message.into());
                None
            }
        };
        let cursor = match cursor::parse_param::<Cursor>(params.cursor.as_deref()) {
            Err(e) => {
                errors.insert("cursor".into(), e.into());
                None
            }
            Ok(Some(cursor)) if (cursor.sort, cursor.direction) != (sort, direction) => {
                errors.insert(
                    "cursor".into(),
                    "This cursor belongs to another order; start again without it.".into(),
                );
                None
            }
            Ok(cursor) => cursor,
        };

        if errors.is_empty() {
            Ok(Self {
                sort,
                direction,
                prefix,
                limit,
                cursor,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::ids::UserId;

    use super::*;
    use crate::domain::{Position, Status};

    fn params(pairs: &[(&str, &str)]) -> ListParams {
        let mut params = ListParams::default();
        for (name, value) in pairs {
            let value = Some((*value).to_owned());
            match *name {
                "sort" => params.sort = value,
                "direction" => params.direction = value,
                "q" => params.q = value,
                "limit" => params.limit = value,
                "cursor" => params.cursor = value,
                other => panic!("unknown parameter {other}"),
            }
        }
        params
    }

    fn cursor(sort: SortKey, direction: Direction) -> Cursor {
        Cursor {
            sort,
            direction,
            after: Position {
                status: Status::Offline,
                username_lower: "carol".into(),
                id: UserId::new(),
            },
        }
    }

    #[test]
    fn no_parameters_mean_online_first_fifty_at_a_time() {
        let query = ListQuery::parse(&ListParams::default()).unwrap();
        assert_eq!(query.sort, SortKey::Status);
        assert_eq!(query.direction, Direction::Asc);
        assert_eq!(query.limit.get(), 50);
        assert_eq!(query.prefix, None);
        assert_eq!(query.cursor, None);
    }

    #[test]
    fn empty_parameters_count_as_absent() {
        let query = ListQuery::parse(&params(&[
            ("sort", ""),
            ("direction", ""),
            ("q", ""),
            ("limit", ""),
            ("cursor", ""),
        ]))
        .unwrap();
        assert_eq!(query, ListQuery::parse(&ListParams::default()).unwrap());
    }

    #[test]
    fn every_parameter_is_read() {
        let next = cursor(SortKey::Username, Direction::Desc);
        let query = ListQuery::parse(&params(&[
            ("sort", "username"),
            ("direction", "desc"),
            ("q", "Ca"),
            ("limit", "2"),
            ("cursor", &cursor::encode(&next)),
        ]))
        .unwrap();
        assert_eq!(query.sort, SortKey::Username);
        assert_eq!(query.direction, Direction::Desc);
        assert_eq!(query.prefix.unwrap().as_str(), "ca");
        assert_eq!(query.limit.get(), 2);
        assert_eq!(query.cursor, Some(next));
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let errors = ListQuery::parse(&params(&[
            ("sort", "age"),
            ("direction", "sideways"),
            ("q", &"x".repeat(65)),
            ("limit", "0"),
            ("cursor", "garbage"),
        ]))
        .unwrap_err();
        let names: Vec<_> = errors.keys().map(String::as_str).collect();
        assert_eq!(names, ["cursor", "direction", "limit", "q", "sort"]);
    }

    #[test]
    fn a_limit_over_the_maximum_is_refused() {
        let errors = ListQuery::parse(&params(&[("limit", "101")])).unwrap_err();
        assert!(errors.contains_key("limit"));
    }

    #[test]
    fn a_cursor_made_for_another_order_is_refused() {
        let status_cursor = cursor::encode(&cursor(SortKey::Status, Direction::Asc));
        let errors = ListQuery::parse(&params(&[("sort", "username"), ("cursor", &status_cursor)]))
            .unwrap_err();
        assert!(errors.contains_key("cursor"));
        let errors = ListQuery::parse(&params(&[
            ("direction", "desc"),
            ("cursor", &status_cursor),
        ]))
        .unwrap_err();
        assert!(errors.contains_key("cursor"));
        assert!(ListQuery::parse(&params(&[("cursor", &status_cursor)])).is_ok());
    }
}
