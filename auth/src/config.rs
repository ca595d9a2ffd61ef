//! auth's settings: the common ones (see `shared::config`) and its own.

use std::net::IpAddr;
use std::time::Duration;

use shared::config::{self, CommonConfig, ConfigError};
use shared::service::ServiceConfig;

use crate::credentials::BCRYPT_MAX_BYTES;

/// The port auth listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 8081;

const DEV_PRIVATE_KEY: &str = include_str!("../../shared/keys/dev-jwt-private.pem");

/// Everything auth is configured with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Database, broker, Redis, listening address, origins, public key.
    pub common: CommonConfig,
    /// Ed25519 private key (PEM) that signs access tokens. Only auth has it.
    pub jwt_private_key_pem: String,
    /// bcrypt work factor: at least 10 in production; tests use the minimum, 4.
    pub bcrypt_cost: u32,
    /// Password length bounds in bytes. bcrypt's limit, 72, is the highest allowed.
    pub password_min_bytes: usize,
    /// See `password_min_bytes`.
    pub password_max_bytes: usize,
    /// How long a session lasts without being refreshed.
    pub refresh_ttl: Duration,
    /// Sign-in throttling.
    pub throttle: ThrottleConfig,
    /// Peers allowed to state the client's address in `X-Real-IP` (the gateway). `*` trusts
    /// every peer, for deployments where only the gateway can reach auth.
    pub trusted_proxies: TrustedProxies,
    /// How often recently revoked sessions are listed again in Redis, which bounds how long a
    /// Redis that lost its data lets a signed-out session's tokens through.
    pub revocation_relist: Duration,
}

/// Limits on sign-in attempts, counted in Redis over a fixed window that starts at the first
/// counted attempt. Low where only an attacker gets (one account from one address), higher
/// where innocent people add up (one address, one account from everywhere); see `throttle`.
#[derive(Clone, Copy, Debug)]
pub struct ThrottleConfig {
    /// Failures for one account (or one unknown identifier) from one client address.
    pub per_account_address: u64,
    /// Failures from one client address, across accounts.
    pub per_address: u64,
    /// Failures for one account from all addresses together; not applied at an address the
    /// account signed in from within `known_address_ttl`, so that the owner is not locked out.
    pub per_account: u64,
    /// How long failures are remembered.
    pub window: Duration,
    /// How long an address the account signed in from stays exempt from `per_account`.
    pub known_address_ttl: Duration,
}

/// Which peers may state a client's address.
#[derive(Clone, Debug)]
pub enum TrustedProxies {
    /// Any peer (only the gateway can reach the service).
    All,
    /// These addresses.
    Only(Vec<IpAddr>),
}

impl TrustedProxies {
    /// Whether `peer` is one of them.
    pub fn trusts(&self, peer: IpAddr) -> bool {
        match self {
            Self::All => true,
            Self::Only(list) => list.contains(&peer),
        }
    }
}

impl std::str::FromStr for TrustedProxies {
    type Err = std::net::AddrParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim() == "*" {
            return Ok(Self::All);
        }
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map(Self::Only)
    }
}

impl ServiceConfig for Config {
    fn from_env() -> Result<Self, ConfigError> {
        let refresh_ttl = Duration::from_secs(config::var("REFRESH_TTL_DAYS", 30u64)? * 86_400);
        Ok(Self {
            common: CommonConfig::from_env("auth", DEFAULT_PORT)?,
            jwt_private_key_pem: config::pem("JWT_PRIVATE_KEY", DEV_PRIVATE_KEY)?,
            bcrypt_cost: config::var("BCRYPT_COST", 12)?,
            password_min_bytes: config::var("PASSWORD_MIN_BYTES", 8)?,
            password_max_bytes: config::var::<usize>("PASSWORD_MAX_BYTES", BCRYPT_MAX_BYTES)?
                .min(BCRYPT_MAX_BYTES),
            refresh_ttl,
            throttle: ThrottleConfig {
                per_account_address: config::var("SIGNIN_FAILURES_PER_ACCOUNT_ADDRESS", 5)?,
                per_address: config::var("SIGNIN_FAILURES_PER_ADDRESS", 30)?,
                per_account: config::var("SIGNIN_FAILURES_PER_ACCOUNT", 50)?,
                window: Duration::from_secs(config::var("SIGNIN_FAILURE_WINDOW_SECS", 900)?),
                // An address the owner signed in from is theirs for as long as a session lasts.
                known_address_ttl: refresh_ttl,
            },
            trusted_proxies: config::var(
                "TRUSTED_PROXIES",
                TrustedProxies::Only(vec![
                    [127, 0, 0, 1].into(),
                    std::net::Ipv6Addr::LOCALHOST.into(),
                ]),
            )?,
            revocation_relist: Duration::from_secs(config::var("REVOCATION_RELIST_SECS", 10)?),
        })
    }

    fn common_mut(&mut self) -> &mut CommonConfig {
        &mut self.common
    }
}
