//! Counting failed sign-ins per account and per client address, in Redis.
//!
//! A counter starts at the first failure and expires a window later. Unknown accounts are
//! counted the same way as known ones, so a 429 says nothing about whether an account exists.
//! When Redis is down sign-in still works (unthrottled, with a warning): locking everybody out
//! during a cache outage would be worse than the brief loss of brute-force protection, which
//! nginx's per-address rate limit still partly provides.

use std::net::IpAddr;

use redis::AsyncCommands;
use shared::cache::Cache;

use crate::config::ThrottleConfig;
use crate::error::AuthError;

/// Failed sign-in counters.
#[derive(Clone)]
pub struct SignInThrottle {
    cache: Cache,
    config: ThrottleConfig,
}

impl SignInThrottle {
    /// Over the given Redis.
    pub fn new(cache: Cache, config: ThrottleConfig) -> Self {
        Self { cache, config }
    }

    fn keys(&self, account_key: &str, address: Option<IpAddr>) -> (String, Option<String>) {
        (
            self.cache
                .key(format_args!("signin-failures:{account_key}")),
            address.map(|a| self.cache.key(format_args!("signin-failures:addr:{a}"))),
        )
    }

    /// `Throttled` if either counter is at its limit.
    pub async fn check(&self, account_key: &str, address: Option<IpAddr>) -> Result<(), AuthError> {
        let (account, address) = self.keys(account_key, address);
        let mut connection = self.cache.connection();
        let mut over = Vec::new();
        let checks = [
            (Some(account), self.config.per_account),
            (address, self.config.per_address),
        ];
        for (key, limit) in checks {
            let Some(key) = key else { continue };
            match connection.get::<_, Option<u64>>(&key).await {
                Ok(Some(count)) if count >= limit => over.push(key),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "sign-in throttle unavailable; not throttling");
                    return Ok(());
                }
            }
        }
        if over.is_empty() {
            return Ok(());
        }
        let mut retry_after_secs = 1;
        for key in over {
            let ttl: i64 = connection.ttl(&key).await.unwrap_or(1);
            retry_after_secs = retry_after_secs.max(ttl.max(1) as u64);
        }
        Err(AuthError::Throttled { retry_after_secs })
    }

    /// Counts a failure against both keys.
    pub async fn record_failure(&self, account_key: &str, address: Option<IpAddr>) {
        let (account, address) = self.keys(account_key, address);
        let window = self.config.window.as_secs() as i64;
        let mut pipe = redis::pipe();
        for key in std::iter::once(account).chain(address) {
            pipe.incr(&key, 1).ignore();
            pipe.cmd("EXPIRE").arg(&key).arg(window).arg("NX").ignore();
        }
        let mut connection = self.cache.connection();
        if let Err(e) = pipe.query_async::<()>(&mut connection).await {
            tracing::warn!(error = %e, "could not record a failed sign-in");
        }
    }

    /// Forgets an account's failures after it signed in.
    pub async fn clear(&self, account_key: &str) {
        let (account, _) = self.keys(account_key, None);
        let mut connection = self.cache.connection();
        if let Err(e) = connection.del::<_, ()>(account).await {
            tracing::warn!(error = %e, "could not clear failed sign-ins");
        }
    }
}
