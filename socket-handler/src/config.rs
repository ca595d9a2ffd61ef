//! socket-handler's settings: the common ones (see `shared::config`) and its own.

use std::time::Duration;

use shared::config::{self, CommonConfig, ConfigError};
use shared::service::ServiceConfig;
use shared::socket::{PresenceTiming, SocketLimits};

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
    /// Messages a user may send per second on one node, on average…
    pub send_rate_per_sec: f64,
    /// …and in a burst.
    pub send_burst: f64,
    /// How long a send may wait for the broker before the client is told `unavailable`.
    pub command_deadline: Duration,
    /// Commands a node holds waiting for the broker before it refuses more with `unavailable`.
    pub command_backlog: usize,
}

impl ServiceConfig for Config {
    fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            common: CommonConfig::from_env("socket-handler", DEFAULT_PORT)?,
            socket_limits: SocketLimits::default(),
            presence: PresenceTiming::default(),
            send_rate_per_sec: config::var("SEND_RATE_PER_SEC", 20.0)?,
            send_burst: config::var("SEND_BURST", 40.0)?,
            command_deadline: Duration::from_millis(config::var("COMMAND_DEADLINE_MS", 3000)?),
            command_backlog: config::var("COMMAND_BACKLOG", 16_384)?,
        })
    }

    fn common_mut(&mut self) -> &mut CommonConfig {
        &mut self.common
    }
}
