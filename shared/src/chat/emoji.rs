//! A reaction's emoji, the one rule for it: a single emoji of the Unicode emoji list (skin tones,
//! flags and ZWJ sequences included), at most 32 bytes, kept in its fully qualified form so that
//! "❤" and "❤️" count as one reaction.

use serde::{Deserialize, Serialize};

/// The longest emoji accepted, in bytes.
pub const MAX_EMOJI_BYTES: usize = 32;

/// One emoji.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Emoji(String);

impl Emoji {
    /// Looks `raw` up; the error is what a client is told.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        const REFUSED: &str = "React with one emoji.";
        if raw.is_empty() || raw.len() > MAX_EMOJI_BYTES {
            return Err(REFUSED);
        }
        let found = emojis::get(raw).or_else(|| {
            // Text presentation without its variation selector, or with one it does not need.
            let bare: String = raw.chars().filter(|c| *c != '\u{FE0F}').collect();
            emojis::get(&bare).or_else(|| emojis::get(&format!("{bare}\u{FE0F}")))
        });
        found
            .map(|emoji| Self(emoji.as_str().to_owned()))
            .ok_or(REFUSED)
    }

    /// The emoji.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Emoji {
    type Error = &'static str;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Emoji> for String {
    fn from(value: Emoji) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_emoji_of_every_shape_are_accepted() {
        for emoji in ["👍", "🎉", "❤️", "👍🏽", "🇫🇷", "👩‍👩‍👧‍👦", "🧑🏿‍🚀", "1️⃣", "🏳️‍🌈"]
        {
            assert_eq!(
                Emoji::parse(emoji).map(|e| e.0),
                Ok(emoji.to_owned()),
                "{emoji:?}"
            );
        }
    }

    #[test]
    fn text_and_variants_become_the_qualified_emoji() {
        assert_eq!(Emoji::parse("❤").unwrap().as_str(), "❤️");
    }

    #[test]
    fn text_two_emoji_and_oversized_input_are_refused() {
        for bad in [
            "",
            "a",
            "ok",
            "👍👍",
            "👍 ",
            " 👍",
            "<3",
            "\u{200D}",
            &"👍".repeat(10),
            "🇫",
        ] {
            assert!(Emoji::parse(bad).is_err(), "{bad:?}");
        }
    }
}
