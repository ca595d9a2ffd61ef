//! Per-user allowances shared by every instance of a service: how often someone may do a thing.
//!
//! Each allowance is kept in Redis as a GCRA ("generic cell rate algorithm") timestamp: one key
//! per allowance and one atomic script call per use or per batch of uses, with Redis's clock, so
//! a user reaching several instances (or one instance over many connections) gets one allowance
//! in all. Used for the chat socket's commands (socket-handler) and for the costly HTTP routes
//! (messages' search and uploads).
//!
//! When Redis does not answer (within a quarter of a second; then, for a second, it is not
//! asked), the instance falls back to an allowance of its own per bucket (the same numbers, in
//! memory): a flood guard that stops working during a cache outage would let one user slow
//! everyone down exactly when the system is already degraded, and refusing everyone would be
//! worse.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::cache::Cache;
use crate::config::{self, ConfigError};

/// Takes one unit of each allowance named, in order (a key named twice is taken from twice).
/// KEYS: their keys. ARGV: for each key, microseconds per unit and burst. Returns, for each, 0
/// when taken, else the microseconds until one is available.
const TAKE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local waits = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  local allowed_at = tat + interval - interval * burst
  if now < allowed_at then
    waits[i] = math.ceil(allowed_at - now)
  else
    local next_tat = tat + interval
    redis.call('SET', key, string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1)
    waits[i] = 0
  end
end
return waits
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
    /// Until when this instance applies its own allowances without asking Redis, after Redis
    /// last failed to answer.
    paused_until: Mutex<Option<Instant>>,
}

/// How long an allowance waits for Redis before this instance's own apply. A command's way
/// passes through it (a socket node's forwarder waits for a whole batch's), and Redis answers
/// in well under a millisecond when it answers at all.
const REDIS_PATIENCE: Duration = Duration::from_millis(250);

/// After Redis failed to answer, how long this instance applies its own allowances before it
/// asks Redis again: during an outage, at most one wait of [`REDIS_PATIENCE`] in each.
const REDIS_PAUSE: Duration = Duration::from_secs(1);

impl RateLimiter {
    /// Over `cache`.
    pub fn new(cache: Cache) -> Self {
        Self {
            cache,
            take: redis::Script::new(TAKE),
            fallback: LocalAllowances::default(),
            paused_until: Mutex::new(None),
        }
    }

    /// Takes one unit of `bucket`'s `allowance`.
    pub async fn take(&self, bucket: &str, allowance: Allowance) -> Verdict {
        self.take_many(&[(bucket, allowance)])
            .await
            .pop()
            .unwrap_or(Verdict::Allowed)
    }

    /// Takes one unit of each `(bucket, allowance)`, in order, in one call to Redis (a bucket
    /// named twice gives two units, the second judged after the first); one verdict each.
    pub async fn take_many(&self, uses: &[(&str, Allowance)]) -> Vec<Verdict> {
        if uses.is_empty() {
            return Vec::new();
        }
        if !self.paused() {
            match self.take_in_redis(uses).await {
                Ok(verdicts) => return verdicts,
                Err(error) => {
                    tracing::warn!(%error, pause = ?REDIS_PAUSE, "rate limits in Redis unavailable; this instance's own apply");
                    *self.pause_lock() = Some(Instant::now() + REDIS_PAUSE);
                }
            }
        }
        uses.iter()
            .map(|(bucket, allowance)| self.fallback.take(bucket, *allowance))
            .collect()
    }

    async fn take_in_redis(&self, uses: &[(&str, Allowance)]) -> Result<Vec<Verdict>, String> {
        let mut invocation = self.take.prepare_invoke();
        for (bucket, allowance) in uses {
            invocation
                .key(self.cache.key(format_args!("rate:{bucket}")))
                .arg(allowance.interval_micros())
                .arg(allowance.burst);
        }
        let mut connection = self.cache.connection();
        let answer = tokio::time::timeout(
            REDIS_PATIENCE,
            invocation.invoke_async::<Vec<u64>>(&mut connection),
        )
        .await
        .map_err(|_| format!("no answer within {REDIS_PATIENCE:?}"))?
        .map_err(|e| e.to_string())?;
        if answer.len() != uses.len() {
            return Err(format!("{} verdicts for {} uses", answer.len(), uses.len()));
        }
        Ok(answer
            .into_iter()
            .map(|wait| match wait {
                0 => Verdict::Allowed,
                micros => Verdict::Refused(Duration::from_micros(micros)),
            })
            .collect())
    }

    fn paused(&self) -> bool {
        self.pause_lock()
            .is_some_and(|until| Instant::now() < until)
    }

    fn pause_lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.paused_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One allowance's token bucket in memory: what is left of the burst, as of when.
#[derive(Clone, Copy, Debug)]
pub struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A bucket holding `allowance`'s whole burst at `now`.
    pub fn full(allowance: Allowance, now: Instant) -> Self {
        Self {
            tokens: allowance.burst,
            at: now,
        }
    }

    /// Takes one unit at `now`, if the bucket (refilled at `allowance`'s rate) holds one.
    pub fn take(&mut self, allowance: Allowance, now: Instant) -> Verdict {
        self.tokens = self.refilled(allowance, now);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Verdict::Allowed
        } else {
            Verdict::Refused(Duration::from_secs_f64(
                (1.0 - self.tokens) / allowance.rate_per_sec,
            ))
        }
    }

    /// Whether the bucket is back to its whole burst at `now` (and so holds nothing to keep).
    fn is_full(&self, allowance: Allowance, now: Instant) -> bool {
        self.refilled(allowance, now) >= allowance.burst
    }

    fn refilled(&self, allowance: Allowance, now: Instant) -> f64 {
        (self.tokens + now.duration_since(self.at).as_secs_f64() * allowance.rate_per_sec)
            .min(allowance.burst)
    }
}

/// A token bucket per bucket name in this instance's memory, for when Redis does not answer.
#[derive(Default)]
struct LocalAllowances {
    buckets: Mutex<HashMap<String, Bucket>>,
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
            buckets.retain(|_, kept| !kept.is_full(allowance, now));
        }
        buckets
            .entry(bucket.to_owned())
            .or_insert_with(|| Bucket::full(allowance, now))
            .take(allowance, now)
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
