//! socket-handler's settings: the common ones (see `shared::config`) and its own.

use std::time::Duration;

use shared::config::{self, CommonConfig, ConfigError};
use shared::service::ServiceConfig;
use shared::socket::{PresenceTiming, SocketLimits};

use crate::rate_limit::CommandLimits;

/// The port socket-handler listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 8083;

/// Everything socket-handler is configured with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Database, broker, Redis, listening address, origins, keys.
    pub common: CommonConfig,
    /// Frame size, heartbeats, send queue.
    pub socket_limits: SocketLimits,
    /// How presence is kept alive and expired.
    pub presence: PresenceTiming,
    /// What each user may do per second, per kind of command, across all nodes.
    pub command_limits: CommandLimits,
    /// How long a send may wait for the broker before the client is told `unavailable`, and for
    /// the writer before the lane gives it to the broker.
    pub command_deadline: Duration,
    /// Commands a node holds waiting for the broker before it refuses more with `unavailable`.
    pub command_backlog: usize,
    /// Whether sends and typing go to messages' writer over the writer lane (`WRITER_LANE`, on
    /// by default) rather than through the broker (see `crate::lane`).
    pub writer_lane: bool,
}

impl ServiceConfig for Config {
    fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            common: CommonConfig::from_env("socket-handler", DEFAULT_PORT)?,
            socket_limits: SocketLimits::from_env()?,
            presence: PresenceTiming::default(),
            command_limits: CommandLimits::from_env()?,
            command_deadline: Duration::from_millis(config::var("COMMAND_DEADLINE_MS", 3000)?),
            command_backlog: config::var("COMMAND_BACKLOG", 16_384)?,
            writer_lane: config::var("WRITER_LANE", true)?,
        })
    }

    fn common_mut(&mut self) -> &mut CommonConfig {
        &mut self.common
    }
}
