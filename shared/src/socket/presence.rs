//! Who is online, across every node and both socket services.
//!
//! Each open socket is a member of its user's sorted set in Redis, scored by an expiry that its
//! node pushes forward on every heartbeat. A user is online while the set has a live member.
//! Adding the first member and removing the last are decided inside Lua scripts, which Redis
//! runs atomically, so two nodes connecting or disconnecting the same user at once cannot both
//! (or neither) announce the change; the scripts also stamp the change with Redis's clock, one
//! clock for every node, so consumers can order `user.online` / `user.offline` by `at`.
//!
//! A node that dies stops pushing its members' expiries forward. Every node sweeps a global
//! index of expiries and removes what has lapsed, announcing `user.offline` when that leaves a
//! user with no live socket: presence expires, it never sticks.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use tokio_util::sync::CancellationToken;

use super::hub::{ConnectionHub, ConnectionId};
use crate::amqp::Publisher;
use crate::auth::CurrentUser;
use crate::cache::Cache;
use crate::events::{Envelope, UserOffline, UserOnline};
use crate::ids::UserId;

/// Adds (or pushes forward) members of one user: ARGV[1] the ttl, then pairs of (member, index
/// member). Lapsed members go first, so `before` counts live ones only: 0 means the user was
/// offline, whether this is their first socket or a heartbeat restoring sockets that a sweep
/// (the node was stalled past the ttl) or an empty restarted Redis had dropped. Returns
/// `{live members before, now_ms}`.
const ADD: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiry = now + tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local before = redis.call('ZCARD', KEYS[1])
for i = 2, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], expiry, ARGV[i])
  redis.call('ZADD', KEYS[2], expiry, ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return {before, now}
";

/// Removes a member; returns `{1 if that left no live member else 0, now_ms}`. With ARGV[3] =
/// '1' (a removal retried after Redis was unreachable) a member Redis no longer knows (it
/// restarted empty) still counts as removed.
const DISCONNECT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREM', KEYS[2], ARGV[2])
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 and ARGV[3] ~= '1' then return {0, now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) == 0 then return {1, now} end
return {0, now}
";

/// How presence keeps time.
#[derive(Clone, Copy, Debug)]
pub struct PresenceTiming {
    /// A socket not vouched for by its node for this long is considered gone.
    pub ttl: Duration,
    /// How often a node vouches for its sockets.
    pub heartbeat: Duration,
    /// How often a node looks for lapsed sockets of any node.
    pub sweep: Duration,
}

impl Default for PresenceTiming {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(30),
            heartbeat: Duration::from_secs(10),
            sweep: Duration::from_secs(5),
        }
    }
}

/// A change of someone's presence, as decided by Redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresenceChange {
    /// Their first socket opened.
    Online(DateTime<Utc>),
    /// Their last socket closed or lapsed.
    Offline(DateTime<Utc>),
}

/// Presence for one node. Cheap to clone.
#[derive(Clone)]
pub struct Presence {
    cache: Cache,
    publisher: Publisher,
    node: Arc<str>,
    timing: PresenceTiming,
    // Serialises heartbeats with disconnects on this node, so a heartbeat cannot re-add a
    // socket that has just been removed.
    writes: Arc<tokio::sync::Mutex<()>>,
    // Closed sockets whose removal Redis did not take (it was unreachable), retried on every
    // heartbeat. "Left to expire" is not enough: if Redis restarted meanwhile it lost the
    // socket's expiry too, nothing would ever sweep it, and the user would stay online forever.
    unsettled: Arc<std::sync::Mutex<Vec<Unsettled>>>,
}

/// A socket removal that has yet to reach Redis.
struct Unsettled {
    user: UserId,
    username: String,
    member: String,
    index_member: String,
}

impl Presence {
    /// For the node `node_id`, announcing changes through `publisher`.
    pub fn new(cache: Cache, publisher: Publisher, node_id: &str, timing: PresenceTiming) -> Self {
        Self {
            cache,
            publisher,
            node: node_id.into(),
            timing,
            writes: Arc::default(),
            unsettled: Arc::default(),
        }
    }

    fn user_key(&self, user: UserId) -> String {
        self.cache.key(format_args!("presence:user:{user}"))
    }

    fn index_key(&self) -> String {
        self.cache.key("presence:expiries")
    }

    fn member(&self, connection: ConnectionId) -> String {
        format!("{}:{connection}", self.node)
    }

    fn index_member(&self, user: UserId, username: &str, connection: ConnectionId) -> String {
        format!("{user}|{}|{username}", self.member(connection))
    }

    fn ttl_ms(&self) -> u64 {
        self.timing.ttl.as_millis() as u64
    }

    /// Records an opened socket; announces `user.online` if it is the user's first anywhere.
    pub async fn connected(
        &self,
        user: &CurrentUser,
        connection: ConnectionId,
    ) -> Option<PresenceChange> {
        let mut redis = self.cache.connection();
        let result: redis::RedisResult<(i64, i64)> = redis::Script::new(ADD)
            .key(self.user_key(user.id))
            .key(self.index_key())
            .arg(self.ttl_ms())
            .arg(self.member(connection))
            .arg(self.index_member(user.id, &user.username, connection))
            .invoke_async(&mut redis)
            .await;
        match result {
            Ok((0, now)) => {
                let at = millis(now);
                self.announce_online(user.id, &user.username, at).await;
                Some(PresenceChange::Online(at))
            }
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, "presence unavailable; socket not recorded");
                None
            }
        }
    }

    /// Records a closed socket; announces `user.offline` if it was the user's last anywhere.
    pub async fn disconnected(
        &self,
        user: &CurrentUser,
        connection: ConnectionId,
    ) -> Option<PresenceChange> {
        let _serialised = self.writes.lock().await;
        let removal = Unsettled {
            user: user.id,
            username: user.username.clone(),
            member: self.member(connection),
            index_member: self.index_member(user.id, &user.username, connection),
        };
        match self.remove(&removal, false).await {
            Ok(change) => change,
            Err(e) => {
                tracing::warn!(error = %e, "presence unavailable; socket removal retried on the next heartbeat");
                self.lock_unsettled().push(removal);
                None
            }
        }
    }

    fn lock_unsettled(&self) -> std::sync::MutexGuard<'_, Vec<Unsettled>> {
        self.unsettled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Retries the removals Redis did not take. Redis may have restarted empty meanwhile, so a
    /// socket it no longer knows counts as removed, and the user goes offline if nothing else of
    /// theirs is live. (If the socket had lapsed and a sweep already announced it, this repeats
    /// `user.offline`, which consumers order by `at` and tolerate.)
    async fn settle(&self) {
        let pending = std::mem::take(&mut *self.lock_unsettled());
        for removal in pending {
            if self.remove(&removal, true).await.is_err() {
                self.lock_unsettled().push(removal);
            }
        }
    }

    async fn remove(
        &self,
        removal: &Unsettled,
        settling: bool,
    ) -> redis::RedisResult<Option<PresenceChange>> {
        let mut redis = self.cache.connection();
        let (last, now): (i64, i64) = redis::Script::new(DISCONNECT)
            .key(self.user_key(removal.user))
            .key(self.index_key())
            .arg(&removal.member)
            .arg(&removal.index_member)
            .arg(if settling { "1" } else { "0" })
            .invoke_async(&mut redis)
            .await?;
        if last != 1 {
            return Ok(None);
        }
        let at = millis(now);
        self.announce_offline(removal.user, &removal.username, at)
            .await;
        Ok(Some(PresenceChange::Offline(at)))
    }

    async fn announce_online(&self, user: UserId, username: &str, at: DateTime<Utc>) {
        let event = Envelope::at(
            UserOnline {
                user_id: user,
                username: username.to_owned(),
                at,
            },
            at,
        );
        if let Err(e) = self.publisher.publish(&event, Duration::from_secs(5)).await {
            tracing::error!(error = %e, %user, "could not announce user.online");
        }
    }

    async fn announce_offline(&self, user: UserId, username: &str, at: DateTime<Utc>) {
        let event = Envelope::at(
            UserOffline {
                user_id: user,
                username: username.to_owned(),
                at,
            },
            at,
        );
        if let Err(e) = self.publisher.publish(&event, Duration::from_secs(5)).await {
            tracing::error!(error = %e, %user, "could not announce user.offline");
        }
    }

    /// Vouches for this node's sockets and sweeps lapsed ones of every node, until `shutdown`.
    pub async fn maintain(self, hub: ConnectionHub, shutdown: CancellationToken) {
        let mut heartbeat = tokio::time::interval(self.timing.heartbeat);
        let mut sweep = tokio::time::interval(self.timing.sweep);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = heartbeat.tick() => {
                    self.settle_under_lock().await;
                    self.vouch(&hub).await;
                }
                _ = sweep.tick() => self.sweep().await,
            }
        }
    }

    async fn settle_under_lock(&self) {
        if self.lock_unsettled().is_empty() {
            return;
        }
        let _serialised = self.writes.lock().await;
        self.settle().await;
    }

    /// Pushes every local socket's expiry forward. Re-adds members Redis lost, so presence
    /// rebuilds itself, and announces `user.online` again for a user it finds with no live
    /// socket: a sweep may have announced them offline while this node was stalled past the
    /// ttl, or Redis restarted empty (then the announcement repeats what consumers know).
    async fn vouch(&self, hub: &ConnectionHub) {
        let restored = {
            let _serialised = self.writes.lock().await;
            let mut by_user: BTreeMap<UserId, (Arc<str>, Vec<ConnectionId>)> = BTreeMap::new();
            for (user, username, connection) in hub.connections() {
                by_user
                    .entry(user)
                    .or_insert_with(|| (username, Vec::new()))
                    .1
                    .push(connection);
            }
            if by_user.is_empty() {
                return;
            }
            let script = redis::Script::new(ADD);
            let mut pipe = redis::pipe();
            for (user, (username, connections)) in &by_user {
                let mut invocation = script.key(self.user_key(*user));
                invocation.key(self.index_key()).arg(self.ttl_ms());
                for connection in connections {
                    invocation
                        .arg(self.member(*connection))
                        .arg(self.index_member(*user, username, *connection));
                }
                pipe.invoke_script(&invocation);
            }
            let mut redis = self.cache.connection();
            // A pipeline does not load a script Redis lacks (it restarted), so load it first.
            let added: redis::RedisResult<Vec<(i64, i64)>> =
                match script.prepare_invoke().load_async(&mut redis).await {
                    Ok(_) => pipe.query_async(&mut redis).await,
                    Err(e) => Err(e),
                };
            match added {
                Ok(added) => by_user
                    .into_iter()
                    .zip(added)
                    .filter(|(_, (before, _))| *before == 0)
                    .map(|((user, (username, _)), (_, now))| (user, username, millis(now)))
                    .collect::<Vec<_>>(),
                Err(e) => {
                    tracing::warn!(error = %e, "presence heartbeat failed");
                    return;
                }
            }
        };
        for (user, username, at) in restored {
            tracing::info!(%user, "a heartbeat found the user with no live socket");
            self.announce_online(user, &username, at).await;
        }
    }

    /// Removes lapsed sockets of any node, announcing users left with none.
    async fn sweep(&self) {
        let mut redis = self.cache.connection();
        let lapsed: redis::RedisResult<Vec<(String, f64)>> = redis::cmd("ZRANGEBYSCORE")
            .arg(self.index_key())
            .arg("-inf")
            .arg(chrono::Utc::now().timestamp_millis())
            .arg("WITHSCORES")
            .arg("LIMIT")
            .arg(0)
            .arg(500)
            .query_async(&mut redis)
            .await;
        let Ok(lapsed) = lapsed else {
            return;
        };
        for (index_member, _expiry) in lapsed {
            let mut parts = index_member.splitn(3, '|');
            let (Some(user), Some(member), Some(username)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let Ok(user) = user.parse::<UserId>() else {
                continue;
            };
            let lapsed = Unsettled {
                user,
                username: username.to_owned(),
                member: member.to_owned(),
                index_member: index_member.clone(),
            };
            if let Ok(Some(_)) = self.remove(&lapsed, false).await {
                tracing::info!(%user, "a lapsed socket left the user offline");
            }
        }
    }
}

fn millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_else(Utc::now)
}
