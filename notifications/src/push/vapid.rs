//! The VAPID key (RFC 8292): the application server's P-256 key pair. Browsers subscribe with its
//! public half (`applicationServerKey`), and every push carries a short ES256 token signed with
//! the private half, so a push service accepts pushes to those subscriptions only from us.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use web_push_native::jwt_simple::algorithms::{
    ECDSAP256KeyPairLike, ECDSAP256PublicKeyLike, ES256KeyPair,
};
use web_push_native::jwt_simple::claims::Claims;
use web_push_native::jwt_simple::prelude::Duration as JwtDuration;

/// How long a VAPID token is valid. RFC 8292 allows at most 24 hours; push services reject
/// tokens that claim more, so this stays well below.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// The application server's key pair.
#[derive(Clone)]
pub struct VapidKey {
    pair: Arc<ES256KeyPair>,
    /// The public key, uncompressed, in base64url: what `GET /api/notifications/push/key`
    /// serves and every push's `k=` names.
    public: String,
}

impl VapidKey {
    /// From the private key: a PKCS#8 PEM (what `openssl genpkey` writes) or the 32-byte scalar
    /// in base64url (what the `web-push` tools print).
    pub fn parse(private: &str) -> Result<Self, String> {
        let private = private.trim();
        let pair = if private.starts_with("-----BEGIN") {
            ES256KeyPair::from_pem(private).map_err(|e| e.to_string())?
        } else {
            let bytes = URL_SAFE_NO_PAD
                .decode(private.trim_end_matches('='))
                .map_err(|e| e.to_string())?;
            ES256KeyPair::from_bytes(&bytes).map_err(|e| e.to_string())?
        };
        Ok(Self::from_pair(pair))
    }

    /// A new random key (development, when none is configured).
    pub fn generate() -> Self {
        Self::from_pair(ES256KeyPair::generate())
    }

    fn from_pair(pair: ES256KeyPair) -> Self {
        let public = URL_SAFE_NO_PAD.encode(pair.public_key().public_key().to_bytes_uncompressed());
        Self {
            pair: Arc::new(pair),
            public,
        }
    }

    /// The public key in base64url (65 bytes, uncompressed point).
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// The private scalar in base64url, for tests and tooling.
    pub fn private_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.pair.to_bytes())
    }

    /// The `Authorization` header for a push to a resource of `audience` (its origin):
    /// `vapid t=<ES256 JWT with aud, exp, sub>, k=<public key>`.
    pub fn authorization(&self, audience: &str, subject: &str) -> Result<String, String> {
        let claims = Claims::create(JwtDuration::from_secs(TOKEN_LIFETIME.as_secs()))
            .with_audience(audience)
            .with_subject(subject);
        let token = self.pair.sign(claims).map_err(|e| e.to_string())?;
        Ok(format!("vapid t={token}, k={}", self.public))
    }
}

impl fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the private half.
        f.debug_struct("VapidKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use web_push_native::jwt_simple::algorithms::ES256PublicKey;
    use web_push_native::jwt_simple::common::VerificationOptions;

    use super::*;

    #[test]
    fn a_token_verifies_with_the_public_key_for_its_audience() {
        let key = VapidKey::generate();
        let header = key
            .authorization("https://fcm.googleapis.com", "mailto:ops@example.com")
            .unwrap();
        let (token, public) = header
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .unwrap();
        assert_eq!(public, key.public_key());
        let verifier =
            ES256PublicKey::from_bytes(&URL_SAFE_NO_PAD.decode(public).unwrap()).unwrap();
        let options = VerificationOptions {
            allowed_audiences: Some(["https://fcm.googleapis.com".to_owned()].into()),
            ..VerificationOptions::default()
        };
        let claims = verifier
            .verify_token::<web_push_native::jwt_simple::claims::NoCustomClaims>(
                token,
                Some(options),
            )
            .unwrap();
        assert_eq!(claims.subject.as_deref(), Some("mailto:ops@example.com"));
        let lifetime = claims.expires_at.unwrap() - claims.issued_at.unwrap();
        assert!(lifetime.as_secs() <= 24 * 60 * 60);
        let elsewhere = VerificationOptions {
            allowed_audiences: Some(["https://evil.example".to_owned()].into()),
            ..VerificationOptions::default()
        };
        assert!(
            verifier
                .verify_token::<web_push_native::jwt_simple::claims::NoCustomClaims>(
                    token,
                    Some(elsewhere)
                )
                .is_err()
        );
    }

    #[test]
    fn a_key_reads_back_from_its_scalar_or_its_pem() {
        let key = VapidKey::generate();
        let again = VapidKey::parse(&key.private_key()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        let pem = key.pair.to_pem().unwrap();
        assert_eq!(
            VapidKey::parse(&pem).unwrap().public_key(),
            key.public_key()
        );
        assert!(VapidKey::parse("not a key").is_err());
        assert!(!format!("{key:?}").contains(&key.private_key()));
    }
}
