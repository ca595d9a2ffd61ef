//! Per-user allowances for every command a chat socket forwards, shared by all nodes (through
//! [`shared::rate_limit`]). Kinds are limited separately so that a burst of read receipts
//! cannot use up the allowance for sending.
//!
//! The allowances are taken in the node's forwarder, for a whole batch of commands in one call
//! to Redis ([`CommandLimiter::take_many`]), not by each connection for each frame: a call per
//! frame was a round trip that the frame's connection waited for before reading its next one,
//! and two hand-offs between threads per command (docs/profiling.md, session 14). A
//! connection's own [`FloodGuard`] keeps one socket that sends far beyond its allowance from
//! filling the queue that every socket of the node shares.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use shared::cache::Cache;
use shared::chat::ChatCommand;
use shared::config::ConfigError;
use shared::ids::UserId;
pub use shared::rate_limit::{Allowance, Verdict};
use shared::rate_limit::{Bucket, RateLimiter};

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

    /// Every kind, in [`Self::index`] order.
    const ALL: [Self; 5] = [
        Self::Send,
        Self::Watermark,
        Self::Reaction,
        Self::Change,
        Self::Typing,
    ];

    fn index(self) -> usize {
        self as usize
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
        let allowance = Allowance::new;
        Self {
            send: allowance(20.0, 40.0),
            watermark: allowance(20.0, 100.0),
            reaction: allowance(5.0, 20.0),
            change: allowance(5.0, 20.0),
            typing: allowance(2.0, 4.0),
        }
    }
}

/// Every user's allowances for commands, across all nodes.
pub struct CommandLimiter {
    limiter: RateLimiter,
    limits: CommandLimits,
}

impl CommandLimiter {
    /// Over `cache`, with `limits`.
    pub fn new(cache: Cache, limits: CommandLimits) -> Self {
        Self {
            limiter: RateLimiter::new(cache),
            limits,
        }
    }

    /// Takes one unit of each `(user, kind)` allowance, in order, in one call to Redis.
    pub async fn take_many(&self, uses: &[(UserId, Kind)]) -> Vec<Verdict> {
        let buckets: Vec<String> = uses
            .iter()
            .map(|(user, kind)| format!("{}:{user}", kind.key()))
            .collect();
        let uses: Vec<(&str, Allowance)> = buckets
            .iter()
            .zip(uses)
            .map(|(bucket, (_, kind))| (bucket.as_str(), self.limits.of(*kind)))
            .collect();
        self.limiter.take_many(&uses).await
    }
}

/// Twice each of the user's allowances: what a connection's [`FloodGuard`] lets through. Twice,
/// so that a guard refuses only what the user's allowance (taken later, in the forwarder) would
/// refuse too, whatever the two clocks say.
#[derive(Clone, Copy, Debug)]
pub struct FloodLimits([Allowance; 5]);

impl FloodLimits {
    /// Twice `limits`.
    pub fn new(limits: &CommandLimits) -> Self {
        Self(Kind::ALL.map(|kind| {
            let allowance = limits.of(kind);
            Allowance::new(allowance.rate_per_sec * 2.0, allowance.burst * 2.0)
        }))
    }
}

/// One connection's guard against a flood, in the connection's memory: what it refuses never
/// reaches the node's queue that every socket shares. Its buckets are made on the connection's
/// first command, so an idle socket carries none.
#[derive(Default)]
pub struct FloodGuard {
    buckets: RefCell<Option<Box<[Bucket; 5]>>>,
}

impl FloodGuard {
    /// Takes one unit of `kind` at `now`.
    pub fn take(&self, limits: &FloodLimits, kind: Kind, now: Instant) -> Verdict {
        let mut buckets = self.buckets.borrow_mut();
        let buckets = buckets.get_or_insert_with(|| {
            Box::new(limits.0.map(|allowance| Bucket::full(allowance, now)))
        });
        buckets[kind.index()].take(limits.0[kind.index()], now)
    }
}

/// What a command refused for its allowance is answered.
pub fn too_fast(wait: Duration) -> String {
    format!(
        "You are doing that too fast. Try again in {:.1} s.",
        wait.as_secs_f64().max(0.1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_draws_on_the_allowance_of_its_kind() {
        let limits = CommandLimits::default();
        assert_eq!(limits.of(Kind::Send), limits.send);
        assert!(
            Kind::ALL
                .iter()
                .enumerate()
                .all(|(i, kind)| kind.index() == i)
        );
    }

    #[test]
    fn a_connection_is_refused_only_beyond_twice_its_allowance_of_each_kind() {
        let limits = CommandLimits::uniform(Allowance::new(0.001, 3.0));
        let (flood, guard) = (FloodLimits::new(&limits), FloodGuard::default());
        let now = Instant::now();
        assert!((0..6).all(|_| guard.take(&flood, Kind::Send, now) == Verdict::Allowed));
        assert!(matches!(
            guard.take(&flood, Kind::Send, now),
            Verdict::Refused(_)
        ));
        assert_eq!(guard.take(&flood, Kind::Typing, now), Verdict::Allowed);
    }
}
