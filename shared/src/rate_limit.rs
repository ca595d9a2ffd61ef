//! Per-user allowances shared by every instance of a service: how often someone may do a thing.
//!
//! Each allowance is kept in Redis as a GCRA ("generic cell rate algorithm") timestamp: one key
//! and one atomic script call per use, with Redis's clock, so a user reaching several instances
//! (or one instance over many connections) gets one allowance in all. Used for the chat socket's
//! commands (socket-handler) and for the costly HTTP routes (messages' search and uploads).
//!
//! When Redis does not answer, the instance falls back to an allowance of its own per bucket
//! (the same numbers, in memory): a flood guard that stops working during a cache outage would
//! let one user slow everyone down exactly when the system is already degraded, and refusing
//! everyone would be worse.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::cache::Cache;
use crate::config::{self, ConfigError};

/// Takes one unit of an allowance. KEYS[1]: its key. ARGV: microseconds per unit, burst.
/// Returns 0 when taken, else the microseconds until one is available.
const TAKE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allowed_at = tat + interval - interval * burst
if now < allowed_at then return math.ceil(allowed_at - now) end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1)
return 0
";

/// How often something may happen: `rate_per_sec` on average, `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Allowance {
    /// Units per second, on average.
    pub rate_per_sec: f64,
    /// Units at once.
    pub burst: f64,
}

impl Allowance {
    /// `rate_per_sec` on average, `burst` at once.
    pub const fn new(rate_per_sec: f64, burst: f64) -> Self {
        Self {
            rate_per_sec,
            burst,
        }
    }

    /// Read from `{PREFIX}_RATE_PER_SEC` and `{PREFIX}_BURST`, else `default`'s.
    pub fn from_env(prefix: &str, default: Self) -> Result<Self, ConfigError> {
        let rate_per_sec = config::var(&format!("{prefix}_RATE_PER_SEC"), default.rate_per_sec)?;
        let burst = config::var(&format!("{prefix}_BURST"), default.burst)?;
        Ok(Self {
            rate_per_sec: rate_per_sec.max(f64::MIN_POSITIVE),
            burst: burst.max(1.0),
        })
    }

    /// Microseconds per unit, as the script takes it.
    fn interval_micros(self) -> f64 {
        1_000_000.0 / self.rate_per_sec
    }
}

/// What the limiter says of one use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Allowed,
    /// Over the allowance; one more is possible after this long.
    Refused(Duration),
}

/// Allowances by bucket name (a kind of use and a user, e.g. `send:<user id>`), in Redis, else
/// in this instance's memory.
pub struct RateLimiter {
    cache: Cache,
    take: redis::Script,
    fallback: LocalAllowances,
}

impl RateLimiter {
    /// Over `cache`.
    pub fn new(cache: Cache) -> Self {
        Self {
            cache,
            take: redis::Script::new(TAKE),
            fallback: LocalAllowances::default(),
        }
    }

    /// Takes one unit of `bucket`'s `allowance`.
    pub async fn take(&self, bucket: &str, allowance: Allowance) -> Verdict {
        let key = self.cache.key(format_args!("rate:{bucket}"));
        let mut connection = self.cache.connection();
        let answer = self
            .take
            .key(key)
            .arg(allowance.interval_micros())
            .arg(allowance.burst)
            .invoke_async::<u64>(&mut connection)
            .await;
        match answer {
            Ok(0) => Verdict::Allowed,
            Ok(wait_micros) => Verdict::Refused(Duration::from_micros(wait_micros)),
            Err(e) => {
                tracing::warn!(error = %e, "rate limits in Redis unavailable; this instance's own apply");
                self.fallback.take(bucket, allowance)
            }
        }
    }
}

/// A token bucket per bucket name in this instance's memory, for when Redis does not answer.
#[derive(Default)]
struct LocalAllowances {
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl LocalAllowances {
    /// The most buckets kept; beyond it, full ones are forgotten (they hold nothing).
    const MAX_BUCKETS: usize = 100_000;

    fn take(&self, bucket: &str, allowance: Allowance) -> Verdict {
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > Self::MAX_BUCKETS {
            buckets.retain(|_, (tokens, at)| {
                *tokens + at.elapsed().as_secs_f64() * allowance.rate_per_sec < allowance.burst
            });
        }
        let (tokens, at) = buckets
            .entry(bucket.to_owned())
            .or_insert((allowance.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * allowance.rate_per_sec)
            .min(allowance.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Verdict::Allowed
        } else {
            Verdict::Refused(Duration::from_secs_f64(
                (1.0 - *tokens) / allowance.rate_per_sec,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_fallback_allows_a_burst_then_refuses_and_keeps_buckets_apart() {
        let allowances = LocalAllowances::default();
        let allowance = Allowance::new(0.001, 3.0);
        let take = |bucket| allowances.take(bucket, allowance);
        assert!((0..3).all(|_| take("send:ann") == Verdict::Allowed));
        assert!(matches!(take("send:ann"), Verdict::Refused(_)));
        assert_eq!(take("reaction:ann"), Verdict::Allowed);
        assert_eq!(take("send:bob"), Verdict::Allowed);
    }
}
