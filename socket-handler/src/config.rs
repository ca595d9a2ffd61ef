//! socket-handler's settings: the common ones (see `shared::config`); its own join them here.

use shared::config::{CommonConfig, ConfigError};

/// The port socket-handler listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 8083;

/// Everything socket-handler is configured with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Database, broker, Redis, listening address, origins, keys.
    pub common: CommonConfig,
}

impl Config {
    /// From the environment, with local-development defaults.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            common: CommonConfig::from_env("socket-handler", DEFAULT_PORT)?,
        })
    }
}
