//! The refresh token a session is renewed with.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// An opaque refresh token: 32 random bytes, base64url. Only its SHA-256 is stored, so a copy of
/// the database does not let anyone refresh a session.
pub struct RefreshToken(String);

impl RefreshToken {
    /// A fresh random token.
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A token as presented in a cookie.
    pub fn presented(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The cookie value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the database stores and looks up.
    pub fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0.as_bytes()).to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let a = RefreshToken::generate();
        let b = RefreshToken::generate();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.hash(), RefreshToken::presented(a.as_str()).hash());
        assert_eq!(a.as_str().len(), 43);
    }
}
