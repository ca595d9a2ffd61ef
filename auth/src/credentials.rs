//! Checking a password without telling whether the account exists.
//!
//! A sign-in for an unknown account must cost what one for a known account costs, or the time
//! of the answer tells an attacker which usernames and emails are registered. So every attempt
//! runs exactly one bcrypt verification at the configured cost: against the account's hash, or,
//! when there is no account, against a decoy hash of a random password made at start-up.
//!
//! bcrypt reads at most 72 bytes and silently ignores the rest, so a password longer than that
//! could match an account whose password is its first 72 bytes. Sign-up refuses such passwords;
//! at sign-in one is simply wrong, checked (its first 72 bytes) against the decoy so that it
//! costs one verification like every other attempt.

/// The most bytes of a password bcrypt reads, and so the longest password there can be.
pub const BCRYPT_MAX_BYTES: usize = 72;

/// A bcrypt hash of a random password at `cost`, which no attempt will ever match.
pub fn decoy_hash(cost: u32) -> Result<String, bcrypt::BcryptError> {
    bcrypt::hash(rand::random::<u128>().to_string(), cost)
}

/// The hash an attempt is verified against: the account's, or the decoy when there is none.
pub fn hash_to_check<'a>(account_hash: Option<&'a str>, decoy: &'a str) -> &'a str {
    account_hash.unwrap_or(decoy)
}

/// Whether `password` is the account's, by exactly one bcrypt verification whatever the case:
/// no account, or a password over [`BCRYPT_MAX_BYTES`], is checked against the decoy and never
/// matches. Blocking (about a quarter of a second at cost 12): run it off the async workers.
pub fn verify(password: &str, account_hash: Option<&str>, decoy: &str) -> bool {
    let bytes = password.as_bytes();
    if bytes.len() > BCRYPT_MAX_BYTES {
        let _ = bcrypt::verify(&bytes[..BCRYPT_MAX_BYTES], decoy);
        return false;
    }
    let matches = bcrypt::verify(bytes, hash_to_check(account_hash, decoy)).unwrap_or(false);
    matches && account_hash.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost_of(hash: &str) -> Option<u32> {
        hash.split('$').nth(2)?.parse().ok()
    }

    #[test]
    fn the_decoy_has_the_cost_of_a_real_hash_and_matches_nothing() {
        let decoy = decoy_hash(4).unwrap();
        let real = bcrypt::hash("correct horse", 4).unwrap();
        assert_eq!(cost_of(&decoy), cost_of(&real));
        assert!(!bcrypt::verify("correct horse", &decoy).unwrap());
        assert!(!bcrypt::verify("", &decoy).unwrap());
    }

    #[test]
    fn without_an_account_the_decoy_is_checked() {
        assert_eq!(hash_to_check(None, "decoy"), "decoy");
        assert_eq!(hash_to_check(Some("real"), "decoy"), "real");
    }

    #[test]
    fn a_password_over_72_bytes_never_matches_though_its_first_72_bytes_do() {
        let decoy = decoy_hash(4).unwrap();
        let password = "p".repeat(BCRYPT_MAX_BYTES);
        let hash = bcrypt::hash(&password, 4).unwrap();
        assert!(verify(&password, Some(&hash), &decoy));
        assert!(bcrypt::verify(format!("{password}x"), &hash).unwrap());
        assert!(!verify(&format!("{password}x"), Some(&hash), &decoy));
        assert!(!verify(&password, None, &decoy));
    }
}
