/// Message text: trimmed, 1 to 4,000 characters (Unicode scalar values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content(String);

/// Why content was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ContentError {
    /// Nothing left after trimming.
    Empty,
    /// A NUL character, which no text column can hold.
    Nul,
    /// Over the limit.
    TooLong,
}

/// The most characters a message may have.
pub const MAX_CHARS: usize = 4000;

impl Content {
    /// Trims and checks.
    pub fn parse(raw: &str) -> Result<Self, ContentError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ContentError::Empty);
        }
        if trimmed.contains('\0') {
            return Err(ContentError::Nul);
        }
        if trimmed.chars().count() > MAX_CHARS {
            return Err(ContentError::TooLong);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_trimmed_and_bounded_in_characters() {
        assert_eq!(Content::parse("  hi \n").unwrap().as_str(), "hi");
        assert_eq!(Content::parse(" \t\n "), Err(ContentError::Empty));
        assert!(Content::parse(&"é".repeat(4000)).is_ok());
        assert_eq!(
            Content::parse(&"x".repeat(4001)),
            Err(ContentError::TooLong)
        );
        assert!(Content::parse("<script>alert(1)</script>").is_ok());
        assert_eq!(Content::parse("a\0b"), Err(ContentError::Nul));
    }
}
