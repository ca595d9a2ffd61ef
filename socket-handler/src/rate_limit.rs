//! Per-user allowances for every command a chat socket forwards, shared by all nodes (through
//! [`shared::rate_limit`]). Kinds are limited separately so that a burst of read receipts
//! cannot use up the allowance for sending.

use shared::cache::Cache;
use shared::chat::ChatCommand;
use shared::config::ConfigError;
use shared::ids::UserId;
use shared::rate_limit::RateLimiter;
pub use shared::rate_limit::{Allowance, Verdict};

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

    /// Takes one unit of `user`'s allowance for `kind`.
    pub async fn take(&self, user: UserId, kind: Kind) -> Verdict {
        self.limiter
            .take(&format!("{}:{user}", kind.key()), self.limits.of(kind))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_draws_on_the_allowance_of_its_kind() {
        let limits = CommandLimits::default();
        assert_eq!(limits.of(Kind::Send), limits.send);
    }
}
