//! A parsed username.

/// A username: 3 to 32 of `A-Z a-z 0-9 _ . -`. Unique without regard to case, displayed as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Checks the rules (no trimming: a space is simply not allowed).
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let length = raw.chars().count();
        if !(3..=32).contains(&length) {
            return Err("Use 3 to 32 characters.");
        }
        if raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            Ok(Self(raw.to_owned()))
        } else {
            Err("Use only letters, digits, '_', '.' and '-'.")
        }
    }

    /// As typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowed_alphabet_and_lengths_pass() {
        for ok in ["abc", "A_b.c-9", &"x".repeat(32)] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn anything_else_fails() {
        for bad in [
            "ab",
            &"x".repeat(33),
            "has space",
            "émile",
            "semi;colon",
            "zero\u{200b}width",
            "",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }
}
