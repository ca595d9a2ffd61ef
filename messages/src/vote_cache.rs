//! Vote counts in Redis, so that reading a busy message's counts does not need Postgres.
//!
//! Postgres stays the source of truth: every change is counted there under the message's row
//! lock, then copied here with its version, and a copy is only ever replaced by a newer one.
//! When Redis has lost a message's counts (a restart, an eviction), they are read from Postgres
//! and cached again, so they are always rebuilt correctly.

use std::collections::HashMap;

use deadpool_postgres::GenericClient;
use shared::cache::Cache;
use shared::events::ChatMessage;
use shared::ids::MessageId;
use uuid::Uuid;

use crate::repository::votes::{self, Tally};

/// Stores `{up, down, v}` unless the cached version is already as new.
const STORE_IF_NEWER: &str = r"
local v = redis.call('HGET', KEYS[1], 'v')
if v and tonumber(v) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'up', ARGV[1], 'down', ARGV[2], 'v', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
";

/// How long counts stay cached without a change.
const TTL_SECS: u64 = 24 * 3600;

/// Cached vote counts.
#[derive(Clone)]
pub struct VoteCache {
    cache: Cache,
}

impl VoteCache {
    /// Over Redis.
    pub fn new(cache: Cache) -> Self {
        Self { cache }
    }

    fn key(&self, message: Uuid) -> String {
        self.cache.key(format_args!("votes:{message}"))
    }

    /// Copies committed counts into the cache, all in one round trip. A failure only means the
    /// next read rebuilds them.
    pub async fn store(&self, tallies: &[(MessageId, Tally)]) {
        if tallies.is_empty() {
            return;
        }
        let mut pipe = redis::pipe();
        for (message, tally) in tallies {
            pipe.cmd("EVAL")
                .arg(STORE_IF_NEWER)
                .arg(1)
                .arg(self.key(message.as_uuid()))
                .arg(tally.up)
                .arg(tally.down)
                .arg(tally.version)
                .arg(TTL_SECS)
                .ignore();
        }
        let stored: redis::RedisResult<()> = pipe.query_async(&mut self.cache.connection()).await;
        if let Err(e) = stored {
            tracing::warn!(error = %e, count = tallies.len(), "could not cache vote counts");
        }
    }

    /// Sets each message's counts from the cache, rebuilding what the cache lacks from
    /// Postgres. If Redis is down, the counts read with the messages stand.
    pub async fn fill(&self, client: &impl GenericClient, messages: &mut [ChatMessage]) {
        if messages.is_empty() {
            return;
        }
        let mut redis = self.cache.connection();
        let mut pipe = redis::pipe();
        for message in messages.iter() {
            pipe.cmd("HMGET")
                .arg(self.key(message.id.as_uuid()))
                .arg("up")
                .arg("down");
        }
        let cached: Vec<(Option<i64>, Option<i64>)> = match pipe.query_async(&mut redis).await {
            Ok(cached) => cached,
            Err(e) => {
                tracing::warn!(error = %e, "vote cache unavailable; counts from Postgres");
                return;
            }
        };
        let mut missing = Vec::new();
        for (message, counts) in messages.iter_mut().zip(&cached) {
            match counts {
                (Some(up), Some(down)) => {
                    message.votes.up = *up;
                    message.votes.down = *down;
                }
                _ => missing.push(message.id.as_uuid()),
            }
        }
        if missing.is_empty() {
            return;
        }
        let rebuilt: HashMap<Uuid, Tally> = match votes::tallies(client, &missing).await {
            Ok(tallies) => tallies.into_iter().collect(),
            Err(e) => {
                tracing::warn!(error = %e, "could not rebuild vote counts");
                return;
            }
        };
        let mut to_store = Vec::with_capacity(rebuilt.len());
        for message in messages.iter_mut() {
            if let Some(tally) = rebuilt.get(&message.id.as_uuid()) {
                message.votes.up = tally.up;
                message.votes.down = tally.down;
                to_store.push((message.id, *tally));
            }
        }
        self.store(&to_store).await;
    }
}
