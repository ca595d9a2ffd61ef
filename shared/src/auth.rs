//! Who is calling: the `auth` cookie's token, checked locally by every service.
//!
//! auth signs short-lived tokens with an Ed25519 private key that only it holds; every service
//! verifies them with the public key, so no service can mint an identity it was not given. A
//! token stays valid until its `exp`, so ending a session early needs one shared fact: its `sid`
//! is listed in Redis as revoked until the last token it could have issued has expired.
//!
//! Identity comes only from here. Never from a query string, a body field or a socket frame.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::cookie::Cookie;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cache::Cache;
use crate::http::ApiError;
use crate::ids::{SessionId, UserId};

/// Name of the cookie carrying the access token.
pub const AUTH_COOKIE: &str = "auth";
/// Name of the cookie carrying the opaque refresh token.
pub const REFRESH_COOKIE: &str = "refresh";
/// Lifetime of an access token. Short, because a stolen one works until it expires.
pub const ACCESS_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);
/// Clock skew tolerated between services.
const LEEWAY_SECS: u64 = 5;

/// The claims of the contract: `sub`, `username`, `sid`, `iat`, `exp`, `jti`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user.
    pub sub: UserId,
    /// Their username when the token was issued (display only; `sub` is the identity).
    pub username: String,
    /// The session, which sign-out revokes.
    pub sid: SessionId,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
    /// This token's own id.
    pub jti: Uuid,
}

impl Claims {
    /// Claims for a token issued now.
    pub fn issue(user: UserId, username: &str, session: SessionId) -> Self {
        let now = Utc::now().timestamp();
        Self {
            sub: user,
            username: username.to_owned(),
            sid: session,
            iat: now,
            exp: now + ACCESS_TOKEN_TTL.as_secs() as i64,
            jti: Uuid::new_v4(),
        }
    }
}

/// Why a token was refused. Callers answer 401 without saying which.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Bad signature, wrong algorithm, malformed, or expired.
    #[error("invalid token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    /// The key could not be read.
    #[error("invalid key: {0}")]
    Key(jsonwebtoken::errors::Error),
}

/// Signs access tokens. Only auth holds the private key.
#[derive(Clone)]
pub struct TokenSigner {
    key: EncodingKey,
}

impl TokenSigner {
    /// From an Ed25519 private key in PEM.
    pub fn from_pem(pem: &str) -> Result<Self, TokenError> {
        Ok(Self {
            key: EncodingKey::from_ed_pem(pem.as_bytes()).map_err(TokenError::Key)?,
        })
    }

    /// The signed token.
    pub fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::EdDSA),
            claims,
            &self.key,
        )?)
    }
}

/// Verifies access tokens with the public key.
#[derive(Clone)]
pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl TokenVerifier {
    /// From an Ed25519 public key in PEM. Only EdDSA is accepted, whatever the token's header
    /// claims (no `alg: none`, no HMAC-with-the-public-key confusion).
    pub fn from_pem(pem: &str) -> Result<Self, TokenError> {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.leeway = LEEWAY_SECS;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        Ok(Self {
            key: DecodingKey::from_ed_pem(pem.as_bytes()).map_err(TokenError::Key)?,
            validation,
        })
    }

    /// The claims of a genuine, unexpired token.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        Ok(jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)?.claims)
    }
}

/// Sessions ended before their tokens expired.
#[derive(Clone)]
pub struct SessionRevocations {
    cache: Cache,
}

impl SessionRevocations {
    /// Over the given Redis.
    pub fn new(cache: Cache) -> Self {
        Self { cache }
    }

    fn key(&self, session: SessionId) -> String {
        self.cache.key(format_args!("revoked-session:{session}"))
    }

    /// How long a revocation must stay listed: as long as any token of the session could still
    /// be accepted.
    pub const LISTED_FOR: Duration =
        Duration::from_secs(ACCESS_TOKEN_TTL.as_secs() + LEEWAY_SECS + 60);

    /// Marks `session` revoked for as long as any token of it could still be valid.
    pub async fn revoke(&self, session: SessionId) -> redis::RedisResult<()> {
        self.cache
            .connection()
            .set_ex::<_, _, ()>(self.key(session), 1, Self::LISTED_FOR.as_secs())
            .await
    }

    /// Lists again sessions revoked earlier, each for what remains of its [`Self::LISTED_FOR`]
    /// (a Redis that restarted empty has forgotten them).
    pub async fn relist(&self, revoked: &[(SessionId, Duration)]) -> redis::RedisResult<()> {
        let mut pipe = redis::pipe();
        for (session, remaining) in revoked {
            pipe.set_ex(self.key(*session), 1, remaining.as_secs().max(1))
                .ignore();
        }
        pipe.query_async::<()>(&mut self.cache.connection()).await
    }

    /// Whether `session` was revoked.
    pub async fn is_revoked(&self, session: SessionId) -> redis::RedisResult<bool> {
        self.cache.connection().exists(self.key(session)).await
    }
}

/// Everything needed to turn a request into a [`CurrentUser`]; registered as app data.
#[derive(Clone)]
pub struct Authenticator {
    verifier: TokenVerifier,
    revocations: SessionRevocations,
}

impl Authenticator {
    /// From the verifier and the revocation list.
    pub fn new(verifier: TokenVerifier, revocations: SessionRevocations) -> Self {
        Self {
            verifier,
            revocations,
        }
    }

    /// The signed-in user of a request, from its `auth` cookie.
    pub async fn authenticate(&self, req: &HttpRequest) -> Result<CurrentUser, ApiError> {
        self.authenticate_headers(req.headers()).await
    }

    /// The signed-in user of a request's `headers` (a socket upgrade is handled before
    /// actix-web makes an `HttpRequest`), from its `auth` cookie.
    pub async fn authenticate_headers(&self, headers: &HeaderMap) -> Result<CurrentUser, ApiError> {
        let token = auth_cookie(headers).ok_or_else(ApiError::unauthenticated)?;
        self.authenticate_token(&token).await
    }

    /// Whether `session` has been revoked since it was authenticated (401 if so).
    pub async fn still_valid(&self, session: SessionId) -> Result<(), ApiError> {
        if self.revocations.is_revoked(session).await? {
            return Err(ApiError::unauthenticated());
        }
        Ok(())
    }

    /// The signed-in user of a raw token.
    pub async fn authenticate_token(&self, token: &str) -> Result<CurrentUser, ApiError> {
        let claims = self.verifier.verify(token).map_err(|e| {
            tracing::debug!(error = %e, "token refused");
            ApiError::unauthenticated()
        })?;
        if self.revocations.is_revoked(claims.sid).await? {
            return Err(ApiError::unauthenticated());
        }
        Ok(CurrentUser {
            id: claims.sub,
            username: claims.username,
            session_id: claims.sid,
            expires_at: claims.exp,
        })
    }
}

/// The signed-in user: an extractor for handlers that need one (401 otherwise).
#[derive(Clone, Debug)]
pub struct CurrentUser {
    /// Who.
    pub id: UserId,
    /// Their username as of sign-in.
    pub username: String,
    /// Which session.
    pub session_id: SessionId,
    /// When the token ends (seconds since the epoch); sockets close then unless refreshed.
    pub expires_at: i64,
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let authenticator = req.app_data::<web::Data<Authenticator>>().ok_or_else(|| {
                ApiError::internal(&anyhow::anyhow!("Authenticator is not registered"))
            })?;
            authenticator.authenticate(&req).await
        })
    }
}

/// The `auth` cookie's value among every `Cookie` header's pairs.
fn auth_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| Cookie::parse_encoded(pair.trim()).ok())
        .find(|cookie| cookie.name() == AUTH_COOKIE)
        .map(|cookie| cookie.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIVATE: &str = include_str!("../keys/dev-jwt-private.pem");
    const PUBLIC: &str = include_str!("../keys/dev-jwt-public.pem");

    fn pair() -> (TokenSigner, TokenVerifier) {
        (
            TokenSigner::from_pem(PRIVATE).unwrap(),
            TokenVerifier::from_pem(PUBLIC).unwrap(),
        )
    }

    #[test]
    fn a_signed_token_verifies_to_its_claims() {
        let (signer, verifier) = pair();
        let claims = Claims::issue(UserId::new(), "alice", SessionId::new());
        let token = signer.sign(&claims).unwrap();
        assert_eq!(verifier.verify(&token).unwrap(), claims);
    }

    #[test]
    fn a_tampered_payload_is_refused() {
        use base64::Engine as _;
        let (signer, verifier) = pair();
        let token = signer
            .sign(&Claims::issue(UserId::new(), "alice", SessionId::new()))
            .unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut payload: serde_json::Value =
            serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
        payload["username"] = "mallory".into();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            engine.encode(serde_json::to_vec(&payload).unwrap()),
            parts[2]
        );
        assert!(verifier.verify(&forged).is_err());
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        use base64::Engine as _;
        let (_, verifier) = pair();
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let claims = Claims::issue(UserId::new(), "alice", SessionId::new());
        let token = format!(
            "{}.{}.",
            engine.encode(br#"{"alg":"none","typ":"JWT"}"#),
            engine.encode(serde_json::to_vec(&claims).unwrap())
        );
        assert!(verifier.verify(&token).is_err());
    }

    #[test]
    fn an_expired_token_is_refused() {
        let (signer, verifier) = pair();
        let mut claims = Claims::issue(UserId::new(), "alice", SessionId::new());
        claims.iat -= 3600;
        claims.exp = claims.iat + 60;
        assert!(verifier.verify(&signer.sign(&claims).unwrap()).is_err());
    }
}
