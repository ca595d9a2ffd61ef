//! `q`: a username prefix, matched without regard to case.

/// A non-empty, lower-cased prefix of a username.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UsernamePrefix(String);

impl UsernamePrefix {
    /// Longer than any username can be, so a longer prefix is a mistake, not a search.
    pub const MAX_CHARS: usize = 64;

    /// `Ok(None)` for a blank value (no filter); `Err` for one that is too long or holds control
    /// characters (which no username has, and which Postgres text cannot always store).
    pub fn parse(value: &str) -> Result<Option<Self>, &'static str> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(None);
        }
        if value.chars().count() > Self::MAX_CHARS {
            return Err("Use at most 64 characters.");
        }
        if value.chars().any(char::is_control) {
            return Err("Use printable characters only.");
        }
        Ok(Some(Self(value.to_lowercase())))
    }

    /// The prefix, lower-cased.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A `LIKE` pattern (escape character `\`) matching exactly the strings that start with the
    /// prefix: its own `%`, `_` and `\` are escaped, so they match only themselves.
    pub fn like_pattern(&self) -> String {
        let mut pattern = String::with_capacity(self.0.len() + 2);
        for c in self.0.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        pattern
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(value: &str) -> UsernamePrefix {
        UsernamePrefix::parse(value).unwrap().unwrap()
    }

    #[test]
    fn a_prefix_is_lower_cased_and_trimmed() {
        assert_eq!(prefix("  AlIce ").as_str(), "alice");
    }

    #[test]
    fn a_blank_prefix_means_no_filter() {
        assert_eq!(UsernamePrefix::parse(""), Ok(None));
        assert_eq!(UsernamePrefix::parse("   "), Ok(None));
    }

    #[test]
    fn like_wildcards_and_the_escape_character_match_only_themselves() {
        assert_eq!(prefix("bob").like_pattern(), "bob%");
        assert_eq!(prefix("a_b").like_pattern(), "a\\_b%");
        assert_eq!(prefix("100%").like_pattern(), "100\\%%");
        assert_eq!(prefix("x\\y").like_pattern(), "x\\\\y%");
        assert_eq!(prefix("%_\\").like_pattern(), "\\%\\_\\\\%");
    }

    #[test]
    fn a_prefix_longer_than_any_username_is_refused() {
        assert!(UsernamePrefix::parse(&"a".repeat(64)).is_ok());
        assert!(UsernamePrefix::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(UsernamePrefix::parse("a\u{0}b").is_err());
        assert!(UsernamePrefix::parse("a\nb").is_err());
    }
}
