//! The Redis cache in front of `GET /api/users`.
//!
//! Invalidation is by version, not by deletion: a counter, `users:directory:version`, is part of
//! every entry's key, and the consumers `INCR` it after each change they commit. The next read
//! then looks under the new version and misses, so a change shows at once, and entries of old
//! versions simply expire (a short TTL bounds both memory and, should an `INCR` ever be lost
//! while Redis is unreachable, staleness).
//!
//! A reader takes the version *before* it queries Postgres, so a page it computes can only be
//! stored under a version at least as old as the data in it: a change committed meanwhile bumps
//! the version and the next reader misses.
//!
//! The cache is an optimisation, never a dependency: every Redis failure is logged and bypassed
//! (reads go to Postgres), and Redis is given little time to answer so that an outage costs a
//! request milliseconds, not seconds.

use std::time::Duration;

use redis::AsyncCommands as _;
use shared::cache::Cache;
use shared::ids::UserId;

use crate::domain::ListQuery;

/// How long a read waits for Redis before going to Postgres instead.
const READ_TIMEOUT: Duration = Duration::from_millis(500);
/// How long an invalidation may take; longer, because a lost one leaves stale pages for a TTL.
const INVALIDATE_TIMEOUT: Duration = Duration::from_secs(3);

/// Cached pages of the user listing, keyed by directory version and request.
#[derive(Clone)]
pub struct ListCache {
    /// Redis, under this deployment's (or test's) prefix.
    cache: Cache,
    /// How long an entry lives.
    ttl: Duration,
}

/// The directory version a read started from. `None` when Redis did not answer: the read then
/// neither looks in nor writes to the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version(Option<u64>);

impl ListCache {
    /// Entries live for `ttl` (at least a second: Redis expiries are in seconds).
    pub fn new(cache: Cache, ttl: Duration) -> Self {
        Self { cache, ttl }
    }

    fn version_key(&self) -> String {
        self.cache.key("users:directory:version")
    }

    /// The key of one page: every input of the listing is in it, the caller too (they are left
    /// out of their own listing), the prefix last because it is the only free text.
    fn page_key(&self, version: u64, caller: UserId, query: &ListQuery) -> String {
        let cursor = query
            .cursor
            .as_ref()
            .map(shared::http::cursor::encode)
            .unwrap_or_default();
        let prefix = query.prefix.as_ref().map_or("", |prefix| prefix.as_str());
        self.cache.key(format_args!(
            "users:list:v{version}:{caller}:{}:{}:{}:{cursor}:{prefix}",
            query.sort.as_str(),
            query.direction.as_str(),
            query.limit.get(),
        ))
    }

    /// The current directory version.
    pub async fn version(&self) -> Version {
        let mut connection = self.cache.connection();
        let read = connection.get::<_, Option<u64>>(self.version_key());
        match tokio::time::timeout(READ_TIMEOUT, read).await {
            Ok(Ok(version)) => Version(Some(version.unwrap_or(0))),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "user list cache unavailable, reading from Postgres");
                Version(None)
            }
            Err(_) => {
                tracing::warn!("user list cache timed out, reading from Postgres");
                Version(None)
            }
        }
    }

    /// The cached body of this page, if any.
    pub async fn get(
        &self,
        version: Version,
        caller: UserId,
        query: &ListQuery,
    ) -> Option<Vec<u8>> {
        let version = version.0?;
        let mut connection = self.cache.connection();
        let read = connection.get::<_, Option<Vec<u8>>>(self.page_key(version, caller, query));
        match tokio::time::timeout(READ_TIMEOUT, read).await {
            Ok(Ok(body)) => body,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "user list cache read failed");
                None
            }
            Err(_) => {
                tracing::warn!("user list cache read timed out");
                None
            }
        }
    }

    /// Stores the body of this page as computed from data at least as new as `version`.
    pub async fn put(&self, version: Version, caller: UserId, query: &ListQuery, body: &[u8]) {
        let Some(version) = version.0 else {
            return;
        };
        let mut connection = self.cache.connection();
        let key = self.page_key(version, caller, query);
        let write = connection.set_ex::<_, _, ()>(key, body, self.ttl.as_secs().max(1));
        match tokio::time::timeout(READ_TIMEOUT, write).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "user list cache write failed"),
            Err(_) => tracing::warn!("user list cache write timed out"),
        }
    }

    /// Makes every cached page stale, after a change to the directory has been committed.
    ///
    /// A failure is logged, not returned: the change itself is durable, and the entries it
    /// should have invalidated expire within the TTL anyway.
    pub async fn invalidate(&self) {
        let mut connection = self.cache.connection();
        let bump = connection.incr::<_, _, u64>(self.version_key(), 1);
        match tokio::time::timeout(INVALIDATE_TIMEOUT, bump).await {
            Ok(Ok(version)) => tracing::debug!(version, "user list cache invalidated"),
            Ok(Err(e)) => tracing::warn!(
                error = %e,
                ttl = ?self.ttl,
                "could not invalidate the user list cache; listings may be stale until entries expire"
            ),
            Err(_) => tracing::warn!(
                ttl = ?self.ttl,
                "invalidating the user list cache timed out; listings may be stale until entries expire"
            ),
        }
    }
}
