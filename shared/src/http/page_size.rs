//! `limit`: how many items one page holds, the same rule on every paginated route of the
//! contract (default 50, at most 100).

/// A page size within the contract's bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageSize(u16);

impl PageSize {
    /// Used when the request does not say.
    pub const DEFAULT: Self = Self(50);
    /// The largest page a client may ask for.
    pub const MAX: u16 = 100;

    /// A whole number from 1 to [`Self::MAX`], as written in a query string.
    pub fn parse(value: &str) -> Option<Self> {
        Self::from_number(value.parse().ok()?)
    }

    /// The `limit` query parameter: absent or empty is [`Self::DEFAULT`]; anything but a whole
    /// number from 1 to [`Self::MAX`] is refused with what a client is told.
    pub fn parse_param(raw: Option<&str>) -> Result<Self, &'static str> {
        match raw.filter(|value| !value.is_empty()) {
            None => Ok(Self::DEFAULT),
            Some(value) => Self::parse(value).ok_or("Use a whole number from 1 to 100."),
        }
    }

    /// A whole number from 1 to [`Self::MAX`].
    pub fn from_number(value: i64) -> Option<Self> {
        u16::try_from(value)
            .ok()
            .filter(|size| (1..=Self::MAX).contains(size))
            .map(Self)
    }

    /// The size.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// The size, for SQL `LIMIT` arithmetic.
    pub fn as_i64(self) -> i64 {
        i64::from(self.0)
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_from_one_to_the_maximum_are_accepted() {
        assert_eq!(PageSize::parse("1").map(PageSize::get), Some(1));
        assert_eq!(PageSize::parse("100").map(PageSize::get), Some(100));
        assert_eq!(PageSize::from_number(50).map(PageSize::get), Some(50));
    }

    #[test]
    fn an_absent_or_empty_parameter_is_the_default() {
        assert_eq!(PageSize::parse_param(None), Ok(PageSize::DEFAULT));
        assert_eq!(PageSize::parse_param(Some("")), Ok(PageSize::DEFAULT));
        assert_eq!(PageSize::parse_param(Some("7")).map(PageSize::get), Ok(7));
        assert!(PageSize::parse_param(Some("0")).is_err());
    }

    #[test]
    fn anything_else_is_refused() {
        for value in ["0", "101", "-1", "", "ten", "1.5", "99999999999"] {
            assert_eq!(PageSize::parse(value), None, "{value:?}");
        }
        assert_eq!(PageSize::from_number(i64::MAX), None);
    }

    #[test]
    fn the_default_is_fifty() {
        assert_eq!(PageSize::default().get(), 50);
    }
}
