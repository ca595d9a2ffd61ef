//! Per-user allowances for every command a chat socket forwards, shared by all nodes.
//!
//! One allowance per kind of command and user, kept in Redis as a GCRA ("generic cell rate
//! algorithm") timestamp: one key and one atomic script call per command, with Redis's clock, so
//! a user with sockets on several nodes (or many sockets on one) gets one allowance in all, not
//! one per node or per connection. Kinds are limited separately so that a burst of read receipts
//! cannot use up the allowance for sending.
//!
//! When Redis does not answer, the node falls back to an allowance of its own per user (the same
//! numbers, in memory): a flood guard that stops working during a cache outage would let one
//! user slow everyone down exactly when the system is already degraded, and refusing everyone
//! would be worse.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use shared::cache::Cache;
use shared::chat::ChatCommand;
use shared::config::{self, ConfigError};
use shared::ids::UserId;

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

/// The kinds of command with an allowance of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `message.send`.
    Send,
    /// `message.read` and `message.delivered`.
    Watermark,
    /// `message.vote` and `message.react`.
    Reaction,
    /// `message.edit` and `message.delete`.
    Change,
    /// `typing`.
    Typing,
}

impl Kind {
    /// The allowance `command` draws on.
    pub fn of(command: &ChatCommand) -> Self {
        match command {
            ChatCommand::Send(_) => Self::Send,
            ChatCommand::Read(_) | ChatCommand::Delivered(_) => Self::Watermark,
            ChatCommand::Vote(_) | ChatCommand::React(_) => Self::Reaction,
            ChatCommand::Edit(_) | ChatCommand::Delete(_) => Self::Change,
            ChatCommand::Typing(_) => Self::Typing,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Send => "send",
            Self::Watermark => "watermark",
            Self::Reaction => "reaction",
            Self::Change => "change",
            Self::Typing => "typing",
        }
    }
}

/// How often something may happen: `rate_per_sec` on average, `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Allowance {
    /// Units per second, on average.
    pub rate_per_sec: f64,
    /// Units at once.
    pub burst: f64,
}

impl Allowance {
    /// Read from `{PREFIX}_RATE_PER_SEC` and `{PREFIX}_BURST`, else `default`'s.
    fn from_env(prefix: &str, default: Self) -> Result<Self, ConfigError> {
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

/// The allowance of each kind, per user across all nodes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CommandLimits {
    /// Sends (settings `SEND_RATE_PER_SEC`, `SEND_BURST`: 20/s, 40).
    pub send: Allowance,
    /// Read and delivered watermarks (`WATERMARK_…`: 20/s, 100). A client moves them as
    /// messages arrive and as the reader scrolls; a newer one supersedes a refused one.
    pub watermark: Allowance,
    /// Votes and reactions (`REACTION_…`: 5/s, 20).
    pub reaction: Allowance,
    /// Edits and deletes (`CHANGE_…`: 5/s, 20).
    pub change: Allowance,
    /// Typing notices (`TYPING_…`: 2/s, 4); each connection also sends at most one a second.
    pub typing: Allowance,
}

impl CommandLimits {
    /// From the environment, with the defaults above.
    pub fn from_env() -> Result<Self, ConfigError> {
        let default = Self::default();
        Ok(Self {
            send: Allowance::from_env("SEND", default.send)?,
            watermark: Allowance::from_env("WATERMARK", default.watermark)?,
            reaction: Allowance::from_env("REACTION", default.reaction)?,
            change: Allowance::from_env("CHANGE", default.change)?,
            typing: Allowance::from_env("TYPING", default.typing)?,
        })
    }

    fn of(&self, kind: Kind) -> Allowance {
        match kind {
            Kind::Send => self.send,
            Kind::Watermark => self.watermark,
            Kind::Reaction => self.reaction,
            Kind::Change => self.change,
            Kind::Typing => self.typing,
        }
    }
}

impl CommandLimits {
    /// The same allowance for every kind (tests, and deployments that want one number).
    pub fn uniform(allowance: Allowance) -> Self {
        Self {
            send: allowance,
            watermark: allowance,
            reaction: allowance,
            change: allowance,
            typing: allowance,
        }
    }
}

impl Default for CommandLimits {
    fn default() -> Self {
        let allowance = |rate_per_sec, burst| Allowance {
            rate_per_sec,
            burst,
        };
        Self {
            send: allowance(20.0, 40.0),
            watermark: allowance(20.0, 100.0),
            reaction: allowance(5.0, 20.0),
            change: allowance(5.0, 20.0),
            typing: allowance(2.0, 4.0),
        }
    }
}

/// What the limiter says of one command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Allowed,
    /// Over the allowance; one more is possible after this long.
    Refused(Duration),
}

/// Every user's allowances, in Redis (shared by all nodes), else in this node's memory.
pub struct CommandLimiter {
    cache: Cache,
    limits: CommandLimits,
    take: redis::Script,
    fallback: LocalAllowances,
}

impl CommandLimiter {
    /// Over `cache`, with `limits`.
    pub fn new(cache: Cache, limits: CommandLimits) -> Self {
        Self {
            cache,
            limits,
            take: redis::Script::new(TAKE),
            fallback: LocalAllowances::default(),
        }
    }

    /// Takes one unit of `user`'s allowance for `kind`.
    pub async fn take(&self, user: UserId, kind: Kind) -> Verdict {
        let allowance = self.limits.of(kind);
        let key = self.cache.key(format_args!("rate:{}:{user}", kind.key()));
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
                tracing::warn!(error = %e, "rate limits in Redis unavailable; this node's own apply");
                self.fallback.take(user, kind, allowance)
            }
        }
    }
}

/// A token bucket per (user, kind) in this node's memory, for when Redis does not answer.
#[derive(Default)]
struct LocalAllowances {
    buckets: Mutex<HashMap<(UserId, Kind), (f64, Instant)>>,
}

impl LocalAllowances {
    /// The most buckets kept; beyond it, full ones are forgotten (they hold nothing).
    const MAX_BUCKETS: usize = 100_000;

    fn take(&self, user: UserId, kind: Kind, allowance: Allowance) -> Verdict {
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
            .entry((user, kind))
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
    fn the_local_fallback_allows_a_burst_then_refuses_and_keeps_users_and_kinds_apart() {
        let allowances = LocalAllowances::default();
        let allowance = Allowance {
            rate_per_sec: 0.001,
            burst: 3.0,
        };
        let (ann, bob) = (UserId::new(), UserId::new());
        let take = |user, kind| allowances.take(user, kind, allowance);
        assert!((0..3).all(|_| take(ann, Kind::Send) == Verdict::Allowed));
        assert!(matches!(take(ann, Kind::Send), Verdict::Refused(_)));
        assert_eq!(take(ann, Kind::Reaction), Verdict::Allowed);
        assert_eq!(take(bob, Kind::Send), Verdict::Allowed);
    }

    #[test]
    fn every_command_draws_on_the_allowance_of_its_kind() {
        let limits = CommandLimits::default();
        assert_eq!(limits.of(Kind::Send), limits.send);
    }
}
