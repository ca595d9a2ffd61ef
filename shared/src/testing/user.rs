//! Test users: signed-in identities minted with the development key.

use crate::auth::{Claims, TokenSigner};
use crate::ids::{SessionId, UserId};

/// The development private key, which the harness uses to sign tokens for test users.
pub const DEV_PRIVATE_KEY: &str = include_str!("../../keys/dev-jwt-private.pem");

/// A test user with a valid `auth` token, minted with the development key.
#[derive(Clone, Debug)]
pub struct TestUser {
    /// Their id.
    pub id: UserId,
    /// Their username.
    pub username: String,
    /// Their session.
    pub session_id: SessionId,
    /// The `auth` cookie's value.
    pub token: String,
}

impl TestUser {
    /// A new user named `username`, signed in.
    pub fn new(username: &str) -> Self {
        let claims = Claims::issue(UserId::new(), username, SessionId::new());
        Self::from_claims(claims)
    }

    /// A user with the given claims (for expired or odd tokens).
    pub fn from_claims(claims: Claims) -> Self {
        let signer = TokenSigner::from_pem(DEV_PRIVATE_KEY).expect("the development key parses");
        Self {
            id: claims.sub,
            username: claims.username.clone(),
            session_id: claims.sid,
            token: signer.sign(&claims).expect("signing"),
        }
    }

    /// The `Cookie` header value.
    pub fn cookie(&self) -> String {
        format!("{}={}", crate::auth::AUTH_COOKIE, self.token)
    }
}
