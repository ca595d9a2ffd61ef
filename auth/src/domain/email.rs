//! A parsed, normalised email address.

use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, RestrictionLevel, RestrictionLevelDetection};

/// An email address, normalised so that two spellings of one address are one account and an
/// address cannot hide or imitate characters:
///
/// - the whole address is NFKC-normalised (fullwidth `ｘ` is `x`, a ligature its letters);
/// - its non-ASCII characters must be allowed in identifiers by Unicode's security profile
///   (UTS 39), which refuses format characters (zero-width spaces and joiners, bidi controls
///   such as U+202E, the BOM), other invisible ones (U+3164) and most symbols; ASCII controls
///   and spaces are refused too;
/// - the domain goes through IDNA (UTS 46, strict: letters, digits and hyphens, DNS lengths) and
///   is kept in its Unicode form, lower-cased; punycode (`xn--`) labels are decoded first, so
///   they are checked like the rest;
/// - the local part and each domain label that is not plain ASCII must be written in one script
///   (UTS 39 "highly restrictive": one script, or Latin with Han and Japanese or Korean), and
///   must not be a look-alike of an ASCII string (its UTS 39 confusable skeleton is not all
///   ASCII): `exаmple` with a Cyrillic `а` mixes two scripts, an all-Cyrillic `аррӏе` imitates
///   `apple`, and both are refused.
///
/// Then: at most 254 characters, one `@`, a local part of 1 to 64 bytes, a dotted domain.
/// Deliberately not the full RFC 5322 grammar: whatever passes here is something a mail server
/// would plausibly accept, and no more is needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

const INVALID: &str = "Enter a valid email address.";
const UNUSUAL_CHARACTERS: &str =
    "Remove invisible characters, text-direction controls and unusual symbols.";
const LOOK_ALIKE: &str =
    "Write each part of the address in one alphabet, without letters that imitate others.";

impl Email {
    /// Trims, normalises, then checks.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Enter your email address.");
        }
        let email: String = trimmed.nfkc().collect();
        if !email.chars().all(allowed_character) {
            return Err(UNUSUAL_CHARACTERS);
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(INVALID);
        };
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(INVALID);
        }
        let ascii = idna::domain_to_ascii_strict(domain).map_err(|_| INVALID)?;
        if !ascii.contains('.') {
            return Err(INVALID);
        }
        let (domain, decoded) = idna::domain_to_unicode(&ascii);
        decoded.map_err(|_| INVALID)?;
        if !one_plain_script(local) || !domain.split('.').all(one_plain_script) {
            return Err(LOOK_ALIKE);
        }
        let email = format!("{local}@{domain}");
        if email.chars().count() > 254 {
            return Err("Use at most 254 characters.");
        }
        Ok(Self(email))
    }

    /// What a sign-in by `raw` looks up: the normalised address, or, when `raw` is not a valid
    /// one, the trimmed text as sent (which matches no account made under these rules).
    pub fn lookup_form(raw: &str) -> String {
        Self::parse(raw).map_or_else(|_| raw.trim().to_owned(), |email| email.0)
    }

    /// Normalised.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn allowed_character(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_graphic()
    } else {
        c.identifier_allowed()
    }
}

/// Plain ASCII, or one script (ASCII punctuation aside) that does not imitate ASCII.
fn one_plain_script(part: &str) -> bool {
    if part.is_ascii() {
        return true;
    }
    let letters: String = part.chars().filter(|c| !c.is_ascii_punctuation()).collect();
    letters
        .as_str()
        .check_restriction_level(RestrictionLevel::HighlyRestrictive)
        && !unicode_security::skeleton(part).all(|c| c.is_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_pass() {
        for ok in [
            "a@b.co",
            "Alice.Smith+chat@example.org",
            "  bob@mail.example.com ",
            "o'brien@example.ie",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn malformed_addresses_fail() {
        let long = format!("{}@example.com", "a".repeat(250));
        let long_local = format!("{}@example.com", "a".repeat(65));
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@nodot",
            "a b@c.de",
            "a@.com",
            "a@b..com",
            "a@b.com.",
            "a@under_score.com",
            "a@[127.0.0.1]",
            "a@-leading.com",
            &long,
            &long_local,
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_domain_is_lower_cased_and_the_local_part_kept() {
        assert_eq!(
            Email::parse("Alice@EXAMPLE.Com").unwrap().as_str(),
            "Alice@example.com"
        );
    }

    #[test]
    fn fullwidth_and_compatibility_forms_become_the_plain_address() {
        assert_eq!(
            Email::parse("ｘ＠ｅｘａｍｐｌｅ．ｃｏｍ").unwrap().as_str(),
            "x@example.com"
        );
        assert_eq!(
            Email::parse("ﬁle@example.com").unwrap().as_str(),
            "file@example.com"
        );
    }

    #[test]
    fn invisible_and_direction_characters_are_refused_anywhere() {
        for bad in [
            "x\u{200b}@example.com",
            "x@exa\u{200b}mple.com",
            "x\u{202e}moc.elpmaxe@example.com",
            "x\u{2066}@example.com",
            "\u{feff}x@example.com",
            "x\u{200d}y@example.com",
            "x\u{ad}y@example.com",
            "\u{3164}@example.com",
            "x\u{7f}@example.com",
            "x\u{85}@example.com",
        ] {
            assert_eq!(Email::parse(bad), Err(UNUSUAL_CHARACTERS), "{bad:?}");
        }
    }

    #[test]
    fn mixed_scripts_and_look_alikes_are_refused() {
        for bad in [
            // A Cyrillic а among Latin letters, in the domain and in the local part.
            "x@ex\u{430}mple.com",
            "p\u{430}ypal@example.com",
            // All Cyrillic, imitating `apple`; written as punycode, it is decoded and refused too.
            "x@\u{430}\u{440}\u{440}\u{4cf}\u{435}.com",
            "x@xn--80ak6aa92e.com",
            // A Greek omicron among Latin letters.
            "x@g\u{3bf}\u{3bf}gle.com",
        ] {
            assert_eq!(Email::parse(bad), Err(LOOK_ALIKE), "{bad:?}");
        }
    }

    #[test]
    fn internationalised_addresses_in_one_script_pass() {
        for ok in [
            "josé@example.com",
            "x@münchen.de",
            "x@xn--mnchen-3ya.de",
            "пользователь@пример.рф",
            "用户@例え.jp",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}: {:?}", Email::parse(ok));
        }
        assert_eq!(
            Email::parse("x@xn--mnchen-3ya.de").unwrap(),
            Email::parse("x@MÜNCHEN.de").unwrap()
        );
    }

    #[test]
    fn a_sign_in_looks_up_the_normalised_address_or_the_text_as_sent() {
        assert_eq!(
            Email::lookup_form(" ｘ@Example.com "),
            "x@example.com".to_owned()
        );
        assert_eq!(Email::lookup_form(" plain "), "plain".to_owned());
    }
}
