//! messages' settings: the common ones (see `shared::config`), the group limit and the
//! attachments' (see [`crate::storage`]).

use shared::config::{CommonConfig, ConfigError};
use shared::service::ServiceConfig;

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
}

impl ServiceConfig for Config {
    fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            common: CommonConfig::from_env("messages", DEFAULT_PORT)?,
            group_max_members: shared::config::var("GROUP_MAX_MEMBERS", 256)?,
            attachments: AttachmentSettings::from_env()?,
        })
    }

    fn common_mut(&mut self) -> &mut CommonConfig {
        &mut self.common
    }
}
