//! messages' settings: the common ones (see `shared::config`), the group limit, the
//! attachments' (see [`crate::storage`]) and the per-user allowances of the costly routes.

use shared::config::{CommonConfig, ConfigError};
use shared::rate_limit::Allowance;
use shared::service::ServiceConfig;

use crate::lane::LaneSettings;
use crate::storage::AttachmentSettings;

/// The port messages listens on unless `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 8084;

/// Everything messages is configured with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Database, broker, Redis, listening address, origins, keys.
    pub common: CommonConfig,
    /// The most members a group may have (`GROUP_MAX_MEMBERS`).
    pub group_max_members: usize,
    /// Where attachments are stored and how big they may be.
    pub attachments: AttachmentSettings,
    /// Searches per user across all instances (`SEARCH_RATE_PER_SEC`, `SEARCH_BURST`: 5/s, 30).
    pub search_allowance: Allowance,
    /// Uploads per user across all instances (`UPLOAD_RATE_PER_SEC`, `UPLOAD_BURST`: 2/s, 20).
    pub upload_allowance: Allowance,
    /// Where the writer lane listens (see [`crate::lane`]).
    pub lane: LaneSettings,
}

impl ServiceConfig for Config {
    fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            common: CommonConfig::from_env("messages", DEFAULT_PORT)?,
            group_max_members: shared::config::var("GROUP_MAX_MEMBERS", 256)?,
            attachments: AttachmentSettings::from_env()?,
            search_allowance: Allowance::from_env("SEARCH", Allowance::new(5.0, 30.0))?,
            upload_allowance: Allowance::from_env("UPLOAD", Allowance::new(2.0, 20.0))?,
            lane: LaneSettings::from_env()?,
        })
    }

    fn common_mut(&mut self) -> &mut CommonConfig {
        &mut self.common
    }
}
