//! The limits routes enforce, from the settings, shared as app data.

use crate::config::Config;

/// How big things may grow.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most members a group may have, its owner included.
    pub group_max_members: usize,
}

impl Limits {
    /// From the service's settings.
    pub fn from_config(config: &Config) -> Self {
        Self {
            group_max_members: config.group_max_members,
        }
    }
}
