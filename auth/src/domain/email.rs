/// An email address: at most 254 characters, one `@`, a non-empty local part of at most 64
/// characters, and a dotted domain. Deliberately not the full RFC 5322 grammar: whatever passes
/// here is something a mail server would plausibly accept, and no more is needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Trims, then checks.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let email = raw.trim();
        if email.is_empty() {
            return Err("Enter your email address.");
        }
        if email.chars().count() > 254 {
            return Err("Use at most 254 characters.");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err("Enter a valid email address.");
        };
        let valid = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && email.chars().all(|c| !c.is_whitespace() && !c.is_control())
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if valid {
            Ok(Self(email.to_owned()))
        } else {
            Err("Enter a valid email address.")
        }
    }

    /// As typed (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }
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
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn malformed_addresses_fail() {
        let long = format!("{}@example.com", "a".repeat(250));
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
            &long,
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
