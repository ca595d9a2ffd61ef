//! Message text, the one rule for it: both socket-handler (to answer a bad frame at once) and
//! messages (which stores it) hold a [`Content`], so a command cannot carry text that breaks the
//! rule. The frontend keeps a copy for instant feedback, pinned to this limit by a test against
//! the OpenAPI document.

use serde::{Deserialize, Serialize};

use crate::http::ErrorCode;

/// The most characters (Unicode scalar values) a message may have, after trimming.
pub const MAX_CONTENT_CHARS: usize = 4000;

/// The most files one message may carry (contract section 8).
pub const MAX_ATTACHMENTS: usize = 10;

/// Message text: trimmed, 1 to [`MAX_CONTENT_CHARS`] characters, something visible in it, no
/// NUL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Content(String);

/// Why text is not message content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    /// Nothing visible is left after trimming.
    #[error("A message needs some text.")]
    Empty,
    /// A NUL character, which no text column can hold.
    #[error("Messages cannot contain NUL characters.")]
    Nul,
    /// Over the limit.
    #[error("Messages are at most 4,000 characters.")]
    TooLong,
    /// More files than a message may carry.
    #[error("A message carries at most 10 files.")]
    TooManyAttachments,
}

impl ContentError {
    /// The contract's code for it.
    pub fn code(self) -> ErrorCode {
        match self {
            Self::TooLong => ErrorCode::ContentTooLong,
            Self::Empty | Self::Nul | Self::TooManyAttachments => ErrorCode::InvalidField,
        }
    }
}

impl Content {
    /// Trims white space and checks the rule.
    pub fn parse(raw: &str) -> Result<Self, ContentError> {
        let trimmed = raw.trim();
        if trimmed.contains('\0') {
            return Err(ContentError::Nul);
        }
        if trimmed.chars().all(is_invisible) {
            return Err(ContentError::Empty);
        }
        if trimmed.chars().count() > MAX_CONTENT_CHARS {
            return Err(ContentError::TooLong);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The text of a send carrying `attachments` files: blank text (`None`) is allowed only
    /// with at least one file, and there are at most [`MAX_ATTACHMENTS`].
    pub fn parse_for_send(raw: &str, attachments: usize) -> Result<Option<Self>, ContentError> {
        if attachments > MAX_ATTACHMENTS {
            return Err(ContentError::TooManyAttachments);
        }
        match Self::parse(raw) {
            Ok(content) => Ok(Some(content)),
            Err(ContentError::Empty) if attachments > 0 => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A send's text on the wire: a string, empty for a send of files only (see
/// [`Content::parse_for_send`]).
pub mod optional {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{Content, ContentError};

    /// `None` as the empty string.
    pub fn serialize<S: Serializer>(value: &Option<Content>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.as_ref().map_or("", Content::as_str))
    }

    /// Blank text as `None`; other bad text is refused.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Content>, D::Error> {
        let raw = String::deserialize(d)?;
        match Content::parse(&raw) {
            Ok(content) => Ok(Some(content)),
            Err(ContentError::Empty) => Ok(None),
            Err(e) => Err(serde::de::Error::custom(e)),
        }
    }
}

impl TryFrom<String> for Content {
    type Error = ContentError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Content> for String {
    fn from(value: Content) -> Self {
        value.0
    }
}

/// Characters that show nothing on their own: white space, format and bidi controls, joiners,
/// fillers and variation selectors. A message of only these would be an empty bubble (4,000
/// zero-width spaces, say), so it counts as blank; inside visible text they stay as sent.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'                  // soft hyphen
            | '\u{034F}'                // combining grapheme joiner
            | '\u{061C}'                // Arabic letter mark
            | '\u{115F}' | '\u{1160}'   // Hangul choseong / jungseong fillers
            | '\u{17B4}' | '\u{17B5}'   // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}'   // Mongolian variation selectors and vowel separator
            | '\u{200B}'..='\u{200F}'   // zero-width space, (non-)joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}'   // bidi embeddings and overrides
            | '\u{2060}'..='\u{206F}'   // word joiner, invisible operators, bidi isolates
            | '\u{2800}'                // braille pattern blank
            | '\u{3164}'                // Hangul filler
            | '\u{FE00}'..='\u{FE0F}'   // variation selectors
            | '\u{FEFF}'                // byte order mark
            | '\u{FFA0}'                // halfwidth Hangul filler
            | '\u{1D159}'               // musical symbol null notehead
            | '\u{1D173}'..='\u{1D17A}' // musical format controls
            | '\u{E0000}'..='\u{E007F}' // tags
            | '\u{E0100}'..='\u{E01EF}' // variation selectors supplement
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_trimmed_and_bounded_in_characters() {
        assert_eq!(Content::parse("  hi \n").unwrap().as_str(), "hi");
        assert_eq!(Content::parse(" \t\n "), Err(ContentError::Empty));
        assert!(Content::parse(&"é".repeat(MAX_CONTENT_CHARS)).is_ok());
        assert_eq!(
            Content::parse(&"x".repeat(MAX_CONTENT_CHARS + 1)),
            Err(ContentError::TooLong)
        );
        assert!(Content::parse("<script>alert(1)</script>").is_ok());
        assert_eq!(Content::parse("a\0b"), Err(ContentError::Nul));
    }

    #[test]
    fn text_of_only_invisible_characters_is_blank() {
        for blank in [
            "\u{200B}".repeat(4000),
            "\u{3164}".repeat(10),
            "\u{200D}\u{FEFF}\u{2060}".into(),
            " \u{202E} \u{2066}\u{2069} ".into(),
            "\u{2800}\u{115F}\u{FFA0}".into(),
        ] {
            assert_eq!(
                Content::parse(&blank),
                Err(ContentError::Empty),
                "{blank:?}"
            );
        }
    }

    #[test]
    fn invisible_characters_inside_visible_text_stay() {
        let text = "a\u{200D}b 👩\u{200D}💻 \u{202E}x";
        assert_eq!(Content::parse(text).unwrap().as_str(), text);
        assert!(Content::parse("\u{200B}x").is_ok());
    }

    #[test]
    fn blank_text_is_allowed_only_with_files() {
        assert_eq!(Content::parse_for_send(" ", 1), Ok(None));
        assert_eq!(Content::parse_for_send(" ", 0), Err(ContentError::Empty));
        assert_eq!(
            Content::parse_for_send("hi", MAX_ATTACHMENTS + 1),
            Err(ContentError::TooManyAttachments)
        );
        assert_eq!(
            Content::parse_for_send(" hi ", 2)
                .unwrap()
                .unwrap()
                .as_str(),
            "hi"
        );
    }

    #[test]
    fn content_crosses_the_wire_only_if_valid() {
        let ok: Content = serde_json::from_str("\" hi \"").unwrap();
        assert_eq!(ok.as_str(), "hi");
        assert!(serde_json::from_str::<Content>("\"\\u200b\"").is_err());
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"hi\"");
    }
}
