//! `limit`: how many notifications one page holds.

/// A page size within the contract's bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageSize(u16);

impl PageSize {
    /// Used when the request does not say.
    pub const DEFAULT: Self = Self(50);
    /// The largest page a client may ask for.
    pub const MAX: u16 = 100;

    /// A whole number from 1 to [`Self::MAX`].
    pub fn parse(value: &str) -> Option<Self> {
        let size: u16 = value.parse().ok()?;
        (1..=Self::MAX).contains(&size).then_some(Self(size))
    }

    /// The size.
    pub const fn get(self) -> u16 {
        self.0
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
        assert_eq!(PageSize::default().get(), 50);
    }

    #[test]
    fn zero_negative_too_large_and_non_numbers_are_refused() {
        for value in ["0", "-1", "101", "65536", "1e2", "ten", "", " 5", "2.5"] {
            assert_eq!(PageSize::parse(value), None, "{value:?}");
        }
    }
}
