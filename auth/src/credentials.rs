//! Checking a password without telling whether the account exists.
//!
//! A sign-in for an unknown account must cost what one for a known account costs, or the time
//! of the answer tells an attacker which usernames and emails are registered. So every attempt
//! runs exactly one bcrypt verification at the configured cost: against the account's hash, or,
//! when there is no account, against a decoy hash of a random password made at start-up.

/// A bcrypt hash of a random password at `cost`, which no attempt will ever match.
pub fn decoy_hash(cost: u32) -> Result<String, bcrypt::BcryptError> {
    bcrypt::hash(rand::random::<u128>().to_string(), cost)
}

/// The hash an attempt is verified against: the account's, or the decoy when there is none.
pub fn hash_to_check<'a>(account_hash: Option<&'a str>, decoy: &'a str) -> &'a str {
    account_hash.unwrap_or(decoy)
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
}
