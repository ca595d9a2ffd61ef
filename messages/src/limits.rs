//! The limits routes enforce, from the settings, shared as app data: how big things may grow,
//! and how often each user may call the routes that cost the most (search and uploads), counted
//! in Redis across every instance (see [`shared::rate_limit`]).

use shared::cache::Cache;
use shared::ids::UserId;
use shared::rate_limit::{Allowance, RateLimiter, Verdict};

use crate::config::Config;
use crate::error::MessagesError;

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

/// A route with an allowance per user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Costly {
    /// `GET /api/messages/search`: text index scans.
    Search,
    /// `POST /api/messages/attachments`: disk, image decoding and object storage.
    Upload,
}

/// Each user's allowances for the costly routes.
pub struct Throttle {
    limiter: RateLimiter,
    search: Allowance,
    upload: Allowance,
}

impl Throttle {
    /// Over `cache`, with the allowances of the settings (`Config::search_allowance`, …).
    pub fn new(cache: Cache, search: Allowance, upload: Allowance) -> Self {
        Self {
            limiter: RateLimiter::new(cache),
            search,
            upload,
        }
    }

    /// Takes one unit of `user`'s allowance for `route`: a 429 `rate_limited` with
    /// `Retry-After` when it is used up.
    pub async fn take(&self, route: Costly, user: UserId) -> Result<(), MessagesError> {
        let (name, allowance) = match route {
            Costly::Search => ("search", self.search),
            Costly::Upload => ("upload", self.upload),
        };
        match self
            .limiter
            .take(&format!("{name}:{user}"), allowance)
            .await
        {
            Verdict::Allowed => Ok(()),
            Verdict::Refused(wait) => Err(MessagesError::RateLimited(wait)),
        }
    }
}
