//! `?before=|after=&limit=` of the history routes: which slice of a conversation to read.

use serde::Deserialize;
use shared::http::FieldErrors;

use super::PageSize;

/// `?before=SEQ|after=SEQ&limit=` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    /// Messages before this seq (scrolling up).
    pub before: Option<i64>,
    /// Messages after this seq (catching up).
    pub after: Option<i64>,
    /// Page size.
    pub limit: Option<String>,
}

/// Which slice of a conversation to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryWindow {
    /// The newest page.
    Newest(PageSize),
    /// The page just before `seq`.
    Before(i64, PageSize),
    /// The page just after `seq`.
    After(i64, PageSize),
}

impl HistoryQuery {
    /// At most one of `before` and `after`; sequence numbers are not negative.
    pub fn parse(self) -> Result<HistoryWindow, FieldErrors> {
        let mut errors = FieldErrors::new();
        let limit = PageSize::parse_param(self.limit.as_deref())
            .map_err(|e| errors.insert("limit".into(), e.into()))
            .ok();
        for (name, value) in [("before", self.before), ("after", self.after)] {
            if value.is_some_and(|v| v < 0) {
                errors.insert(name.into(), "Use a sequence number of 0 or more.".into());
            }
        }
        if self.before.is_some() && self.after.is_some() {
            errors.insert("before".into(), "Send before or after, not both.".into());
        }
        match limit {
            Some(limit) if errors.is_empty() => Ok(match (self.before, self.after) {
                (Some(before), _) => HistoryWindow::Before(before, limit),
                (_, Some(after)) => HistoryWindow::After(after, limit),
                _ => HistoryWindow::Newest(limit),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_direction_at_a_time() {
        let q = |before, after| {
            HistoryQuery {
                before,
                after,
                limit: None,
            }
            .parse()
        };
        assert!(matches!(q(None, None), Ok(HistoryWindow::Newest(_))));
        assert!(matches!(
            q(Some(10), None),
            Ok(HistoryWindow::Before(10, _))
        ));
        assert!(matches!(q(None, Some(0)), Ok(HistoryWindow::After(0, _))));
        assert!(q(Some(1), Some(2)).is_err());
        assert!(q(Some(-1), None).is_err());
    }
}
