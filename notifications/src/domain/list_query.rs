//! The query string of `GET /api/notifications`, checked as a whole.

use serde::Deserialize;
use shared::http::FieldErrors;
use shared::http::cursor;

use super::{Cursor, PageSize};

/// The query string as sent. Every field is text so that a bad value is reported per field
/// instead of failing the whole deserialization; unknown parameters are ignored.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListParams {
    /// `true` for unread notifications only, `false` (the default) for all.
    pub unread: Option<String>,
    /// 1 to 100.
    pub limit: Option<String>,
    /// From a previous page's `nextCursor`.
    pub cursor: Option<String>,
}

/// A valid listing request. An empty parameter (`?unread=`) counts as absent.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListQuery {
    /// Only unread notifications.
    pub unread_only: bool,
    /// At most this many notifications.
    pub limit: PageSize,
    /// Where the previous page ended, if this is not the first page.
    pub cursor: Option<Cursor>,
}

impl ListQuery {
    /// Checks every parameter; on failure, says what is wrong with each bad one.
    pub fn parse(params: &ListParams) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let given = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());

        let unread_only = match given(&params.unread).as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => {
                errors.insert("unread".into(), "Use true or false.".into());
                false
            }
        };
        let limit = PageSize::parse_param(params.limit.as_deref()).unwrap_or_else(|e| {
            errors.insert("limit".into(), e.into());
            PageSize::DEFAULT
        });
        let cursor = cursor::parse_param::<Cursor>(params.cursor.as_deref()).unwrap_or_else(|e| {
            errors.insert("cursor".into(), e.into());
            None
        });

        if errors.is_empty() {
            Ok(Self {
                unread_only,
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
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::domain::NotificationId;

    fn params(unread: Option<&str>, limit: Option<&str>, cursor: Option<&str>) -> ListParams {
        ListParams {
            unread: unread.map(str::to_owned),
            limit: limit.map(str::to_owned),
            cursor: cursor.map(str::to_owned),
        }
    }

    #[test]
    fn no_parameters_mean_everything_fifty_at_a_time() {
        let query = ListQuery::parse(&ListParams::default()).unwrap();
        assert!(!query.unread_only);
        assert_eq!(query.limit.get(), 50);
        assert_eq!(query.cursor, None);
        let empty = ListQuery::parse(&params(Some(""), Some(""), Some(""))).unwrap();
        assert_eq!(empty, query);
    }

    #[test]
    fn every_parameter_is_read() {
        let cursor = Cursor {
            created_at: DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap(),
            id: NotificationId::new(),
        };
        let query = ListQuery::parse(&params(
            Some("true"),
            Some("7"),
            Some(&cursor::encode(&cursor)),
        ))
        .unwrap();
        assert!(query.unread_only);
        assert_eq!(query.limit.get(), 7);
        assert_eq!(query.cursor, Some(cursor));
        assert!(
            !ListQuery::parse(&params(Some("false"), None, None))
                .unwrap()
                .unread_only
        );
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let errors =
            ListQuery::parse(&params(Some("yes"), Some("101"), Some("garbage"))).unwrap_err();
        let names: Vec<_> = errors.keys().map(String::as_str).collect();
        assert_eq!(names, ["cursor", "limit", "unread"]);
        for unread in ["TRUE", "1", "no"] {
            assert!(ListQuery::parse(&params(Some(unread), None, None)).is_err());
        }
    }
}
