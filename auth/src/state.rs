//! What auth's handlers share.

use std::sync::Arc;

use deadpool_postgres::Pool;
use shared::auth::{SessionRevocations, TokenSigner, TokenVerifier};

use crate::config::Config;
use crate::domain::PasswordRules;
use crate::throttle::SignInThrottle;

/// auth's application state, registered once as `web::Data<AppState>`.
pub struct AppState {
    /// auth's database.
    pub db: Pool,
    /// Signs access tokens.
    pub signer: TokenSigner,
    /// Reads them back (sign-out names its session by the access token).
    pub verifier: TokenVerifier,
    /// Lists sessions ended early, for every service to check.
    pub revocations: SessionRevocations,
    /// Counts failed sign-ins.
    pub throttle: SignInThrottle,
    /// A hash of a random password at the configured cost: a sign-in for an unknown account is
    /// checked against it so that it takes as long as one for a known account.
    pub decoy_hash: Arc<str>,
    /// Settings.
    pub config: Arc<Config>,
}

impl AppState {
    /// The configured password rules.
    pub fn password_rules(&self) -> PasswordRules {
        PasswordRules {
            min_bytes: self.config.password_min_bytes,
            max_bytes: self.config.password_max_bytes,
        }
    }
}
