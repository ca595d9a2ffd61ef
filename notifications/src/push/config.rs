//! Web Push settings (README, "Push notifications", lists them all).

use std::time::Duration;

use shared::config::{pem, var};

use super::resolver::Lookup;
use super::vapid::VapidKey;
use crate::domain::EndpointPolicy;
use crate::domain::endpoint::DEFAULT_ENDPOINT_HOSTS;

/// Everything Web Push is configured with.
#[derive(Clone, Debug)]
pub struct PushConfig {
    /// The application server's key pair (`VAPID_PRIVATE_KEY` or `VAPID_PRIVATE_KEY_FILE`).
    pub vapid: VapidKey,
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

impl PushConfig {
    /// From the environment. Without a configured VAPID key a random one is made, which is
    /// fine for a developer's single process but invalidates every subscription at each restart
    /// (deployments set one: see README).
    pub fn from_env() -> anyhow::Result<Self> {
        let private = pem("VAPID_PRIVATE_KEY", "")?;
        let vapid = if private.trim().is_empty() {
            tracing::warn!(
                "VAPID_PRIVATE_KEY is not set: using a random key, so push subscriptions end at every restart"
            );
            VapidKey::generate()
        } else {
            VapidKey::parse(&private)
                .map_err(|e| anyhow::anyhow!("VAPID_PRIVATE_KEY is not a P-256 key: {e}"))?
        };
        let hosts: String = var("PUSH_ENDPOINT_HOSTS", DEFAULT_ENDPOINT_HOSTS.to_owned())?;
        let policy =
            EndpointPolicy::from_list(&hosts, var("PUSH_ALLOW_INSECURE_LOCALHOST", false)?)
                .map_err(|entry| {
                    anyhow::anyhow!("PUSH_ENDPOINT_HOSTS has an invalid entry {entry:?}")
                })?;
        if policy.allow_insecure_localhost {
            tracing::warn!(
                "PUSH_ALLOW_INSECURE_LOCALHOST is on: push endpoints on this machine are accepted (development only)"
            );
        }
        Ok(Self {
            vapid,
            subject: var("VAPID_SUBJECT", "mailto:webpush@gochat.invalid".to_owned())?,
            policy,
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
}
