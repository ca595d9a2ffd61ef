//! A password that meets the configured rules.

/// Password length bounds, in bytes of UTF-8 (bcrypt reads bytes and ignores any past 72).
#[derive(Clone, Copy, Debug)]
pub struct PasswordRules {
    /// Fewest bytes.
    pub min_bytes: usize,
    /// Most bytes (at most 72).
    pub max_bytes: usize,
}

/// A password that meets the rules. Its `Debug` hides it so that it never reaches a log.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    /// Checks the byte length; any characters but NUL are allowed (bcrypt would silently
    /// ignore everything after a NUL).
    pub fn parse(raw: &str, rules: PasswordRules) -> Result<Self, String> {
        if raw.contains('\0') {
            return Err("Passwords cannot contain NUL characters.".to_owned());
        }
        let bytes = raw.len();
        if bytes < rules.min_bytes {
            return Err(format!("Use at least {} characters.", rules.min_bytes));
        }
        if bytes > rules.max_bytes {
            return Err(format!("Use at most {} bytes.", rules.max_bytes));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: PasswordRules = PasswordRules {
        min_bytes: 8,
        max_bytes: 72,
    };

    #[test]
    fn bounds_count_bytes_not_characters() {
        assert!(Password::parse("12345678", RULES).is_ok());
        assert!(Password::parse("1234567", RULES).is_err());
        assert!(Password::parse(&"a".repeat(72), RULES).is_ok());
        assert!(Password::parse(&"a".repeat(73), RULES).is_err());
        // 18 four-byte emoji are 72 bytes; 19 are 76.
        assert!(Password::parse(&"🔑".repeat(18), RULES).is_ok());
        assert!(Password::parse(&"🔑".repeat(19), RULES).is_err());
        assert!(Password::parse("longenough\0", RULES).is_err());
    }

    #[test]
    fn the_seed_rule_of_8_to_20_is_a_setting() {
        let seed = PasswordRules {
            min_bytes: 8,
            max_bytes: 20,
        };
        assert!(Password::parse(&"a".repeat(21), seed).is_err());
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let password = Password::parse("hunter2hunter2", RULES).unwrap();
        assert!(!format!("{password:?}").contains("hunter2"));
    }
}
