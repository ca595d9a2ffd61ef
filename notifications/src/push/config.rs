//! Web Push settings (README, "Push notifications", lists them all).

use std::fmt;
use std::time::Duration;

use shared::config::{ConfigError, pem, var};

use super::resolver::Lookup;
use super::vapid::VapidKey;
use crate::domain::endpoint::DEFAULT_ENDPOINT_HOSTS;
use crate::domain::{EndpointPolicy, HostList};

/// Everything Web Push is configured with.
#[derive(Clone, Debug)]
pub struct PushConfig {
    /// The application server's private key as configured (`VAPID_PRIVATE_KEY` or
    /// `VAPID_PRIVATE_KEY_FILE`), read by [`Self::vapid_key`] at start-up.
    pub vapid_private_key: Option<VapidSecret>,
    /// Who runs this server, in every VAPID token (`VAPID_SUBJECT`, a `mailto:` or `https:`
    /// URL); push services use it to reach the operator.
    pub subject: String,
    /// Which endpoints are accepted (`PUSH_ENDPOINT_HOSTS`, `PUSH_ALLOW_INSECURE_LOCALHOST`).
    pub policy: EndpointPolicy,
    /// How push services' names are resolved (the system's resolver; tests put a table in).
    pub lookup: Lookup,
    /// Requests to push services in flight at once, in all (`PUSH_CONCURRENCY`).
    pub concurrency: usize,
    /// ... and to any one push service host (`PUSH_CONCURRENCY_PER_HOST`), so a slow one cannot
    /// take every slot.
    pub concurrency_per_host: usize,
    /// Push jobs held at once, running or waiting to retry (`PUSH_PREFETCH`).
    pub prefetch: u16,
    /// How long a connection may take (`PUSH_CONNECT_TIMEOUT_MS`).
    pub connect_timeout: Duration,
    /// How long a whole request may take (`PUSH_TIMEOUT_MS`).
    pub request_timeout: Duration,
    /// Attempts per push and subscription, the first included (`PUSH_MAX_ATTEMPTS`).
    pub max_attempts: u32,
    /// The pause before the second attempt, doubled for each later one (`PUSH_RETRY_BASE_MS`).
    pub retry_base: Duration,
    /// The longest pause before a retry; a push service asking (`Retry-After`) for more gets
    /// the push dropped instead (`PUSH_MAX_RETRY_DELAY_SECS`).
    pub max_retry_delay: Duration,
}

/// The configured private key, never printed.
#[derive(Clone)]
pub struct VapidSecret(pub String);

impl fmt::Debug for VapidSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VapidSecret(..)")
    }
}

impl PushConfig {
    /// From the environment, with local-development defaults.
    pub fn from_env() -> Result<Self, ConfigError> {
        let private = pem("VAPID_PRIVATE_KEY", "")?;
        let hosts: HostList = var(
            "PUSH_ENDPOINT_HOSTS",
            HostList(
                EndpointPolicy::from_list(DEFAULT_ENDPOINT_HOSTS, false)
                    .map(|policy| policy.hosts)
                    .unwrap_or_default(),
            ),
        )?;
        Ok(Self {
            vapid_private_key: (!private.trim().is_empty()).then_some(VapidSecret(private)),
            subject: var("VAPID_SUBJECT", "mailto:webpush@gochat.invalid".to_owned())?,
            policy: EndpointPolicy {
                hosts: hosts.0,
                allow_insecure_localhost: var("PUSH_ALLOW_INSECURE_LOCALHOST", false)?,
            },
            lookup: Lookup::default(),
            concurrency: var("PUSH_CONCURRENCY", 64usize)?.max(1),
            concurrency_per_host: var("PUSH_CONCURRENCY_PER_HOST", 16usize)?.max(1),
            prefetch: var("PUSH_PREFETCH", 256u16)?.max(1),
            connect_timeout: Duration::from_millis(var("PUSH_CONNECT_TIMEOUT_MS", 5_000)?),
            request_timeout: Duration::from_millis(var("PUSH_TIMEOUT_MS", 10_000)?),
            max_attempts: var("PUSH_MAX_ATTEMPTS", 5u32)?.max(1),
            retry_base: Duration::from_millis(var("PUSH_RETRY_BASE_MS", 1_000)?),
            max_retry_delay: Duration::from_secs(var("PUSH_MAX_RETRY_DELAY_SECS", 60)?),
        })
    }

    /// The VAPID key: the configured one, or without one a random key, which is fine for a
    /// developer's single process but ends every subscription at each restart (deployments set
    /// one: see README). Called once, at start-up.
    pub fn vapid_key(&self) -> anyhow::Result<VapidKey> {
        match &self.vapid_private_key {
            Some(VapidSecret(private)) => VapidKey::parse(private)
                .map_err(|e| anyhow::anyhow!("VAPID_PRIVATE_KEY is not a P-256 key: {e}")),
            None => {
                tracing::warn!(
                    "VAPID_PRIVATE_KEY is not set: using a random key, so push subscriptions end at every restart"
                );
                Ok(VapidKey::generate())
            }
        }
    }
}
