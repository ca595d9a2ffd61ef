//! `?before=|after=|around=&limit=` of the history routes: which slice of a conversation to
//! read.

use serde::Deserialize;
use shared::http::FieldErrors;

use super::PageSize;

/// `?before=SEQ|after=SEQ|around=SEQ&limit=` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    /// Messages before this seq (scrolling up).
    pub before: Option<i64>,
    /// Messages after this seq (catching up).
    pub after: Option<i64>,
    /// Messages on both sides of this seq, it included (jumping to a message).
    pub around: Option<i64>,
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
    /// The page centred on `seq`.
    Around(i64, PageSize),
}

impl HistoryQuery {
    /// At most one of `before`, `after` and `around`; sequence numbers are not negative.
    pub fn parse(self) -> Result<HistoryWindow, FieldErrors> {
        let mut errors = FieldErrors::new();
        let limit = PageSize::parse_param(self.limit.as_deref())
            .map_err(|e| errors.insert("limit".into(), e.into()))
            .ok();
        let bounds = [
            ("before", self.before),
            ("after", self.after),
            ("around", self.around),
        ];
        for (name, value) in bounds {
            if value.is_some_and(|v| v < 0) {
                errors.insert(name.into(), "Use a sequence number of 0 or more.".into());
            }
        }
        let given: Vec<&str> = bounds
            .iter()
            .filter(|(_, value)| value.is_some())
            .map(|(name, _)| *name)
            .collect();
        if let [first, _, ..] = given[..] {
            errors.insert(first.into(), "Send one of before, after and around.".into());
        }
        match limit {
            Some(limit) if errors.is_empty() => Ok(match (self.before, self.after, self.around) {
                (Some(before), _, _) => HistoryWindow::Before(before, limit),
                (_, Some(after), _) => HistoryWindow::After(after, limit),
                (_, _, Some(around)) => HistoryWindow::Around(around, limit),
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
                around: None,
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

    #[test]
    fn around_excludes_the_other_bounds() {
        let q = |before, after, around| {
            HistoryQuery {
                before,
                after,
                around,
                limit: None,
            }
            .parse()
        };
        assert!(matches!(
            q(None, None, Some(7)),
            Ok(HistoryWindow::Around(7, _))
        ));
        assert!(q(Some(1), None, Some(7)).is_err());
        assert!(q(None, Some(1), Some(7)).is_err());
        assert!(q(None, None, Some(-7)).is_err());
    }
}
