//! users's settings: the common ones (see `shared::config`); its own join them here.

use std::time::Duration;

use shared::config::{CommonConfig, ConfigError, var};
use shared::service::ServiceConfig;

/// The port users listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 8082;

/// Everything users is configured with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Database, broker, Redis, listening address, origins, keys.
    pub common: CommonConfig,
    /// How long a cached page of `GET /api/users` lives (`USERS_LIST_CACHE_TTL_SECS`). Changes
    /// invalidate at once; this only bounds memory and the damage of a lost invalidation.
    pub list_cache_ttl: Duration,
}

impl ServiceConfig for Config {
    fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            common: CommonConfig::from_env("users", DEFAULT_PORT)?,
            list_cache_ttl: Duration::from_secs(var("USERS_LIST_CACHE_TTL_SECS", 30)?),
        })
    }

    fn common_mut(&mut self) -> &mut CommonConfig {
        &mut self.common
    }
}
