//! notifications' settings: the common ones (see `shared::config`) and its own.

use shared::config::{CommonConfig, ConfigError};
use shared::service::ServiceConfig;
use shared::socket::{PresenceTiming, SocketLimits};

use crate::push::config::PushConfig;

/// The port notifications listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 8085;

/// Everything notifications is configured with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Database, broker, Redis, listening address, origins, keys.
    pub common: CommonConfig,
    /// Frame size, heartbeats, send queue (the contract's values; tests shorten the timings).
    pub socket_limits: SocketLimits,
    /// How presence is kept alive and expired.
    pub presence: PresenceTiming,
    /// Web Push: the VAPID key, the endpoint policy, limits and timeouts.
    pub push: PushConfig,
}

impl ServiceConfig for Config {
    fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            common: CommonConfig::from_env("notifications", DEFAULT_PORT)?,
            socket_limits: SocketLimits::from_env()?,
            presence: PresenceTiming::default(),
            push: PushConfig::from_env()?,
        })
    }

    fn common_mut(&mut self) -> &mut CommonConfig {
        &mut self.common
    }
}
