//! Redis: presence, rate-limit counters, session revocations and read caches. Nothing kept here
//! is the source of truth for anything; all of it can be rebuilt or expires by itself, which is
//! why losing Redis degrades the product but loses no data.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// A Redis handle that connects lazily and reconnects by itself, with every key under a prefix.
/// Cheap to clone.
#[derive(Clone)]
pub struct Cache {
    connection: ConnectionManager,
    prefix: Arc<str>,
}

impl Cache {
    /// Does not touch the network: the first command connects, and a lost connection is
    /// re-established on the next command, so a service starts even while Redis is down.
    pub fn new(url: &str, prefix: &str) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(Self {
            connection,
            prefix: prefix.into(),
        })
    }

    /// The full key for `key` under this deployment's (or this test's) prefix.
    pub fn key(&self, key: impl std::fmt::Display) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The prefix itself, for pattern scans.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A multiplexed connection to run commands on; cloning it is cheap.
    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// Whether Redis answers right now.
    pub async fn ping(&self) -> bool {
        let mut connection = self.connection();
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .is_ok()
    }
}
