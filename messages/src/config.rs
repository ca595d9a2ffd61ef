//! messages' settings: the common ones (see `shared::config`).

use shared::config::{CommonConfig, ConfigError};
use shared::service::ServiceConfig;

/// The port messages listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 8084;

/// Everything messages is configured with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Database, broker, Redis, listening address, origins, keys.
    pub common: CommonConfig,
}

impl ServiceConfig for Config {
    fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            common: CommonConfig::from_env("messages", DEFAULT_PORT)?,
        })
    }

    fn common_mut(&mut self) -> &mut CommonConfig {
        &mut self.common
    }
}
