//! Limiting sign-in attempts per account, per client address and per (account, address), in
//! Redis.
//!
//! An attempt is reserved before its password is hashed, by one Lua script that checks every
//! counter and, only when none is at its limit, increments them all: so however many attempts
//! run at once, no more than the limits ever reach bcrypt, and a refused attempt costs nothing.
//! A successful sign-in gives its reservation back (the owner's own attempts count only while
//! they fail) and forgets the failures of that account from that address.
//!
//! The limits differ on purpose. One account from one address is low: only an attacker (or an
//! owner who forgot the password) fails often there. One address across accounts is moderate:
//! many people may share one address. One account from everywhere is far higher, and it does not
//! apply at an address the account signed in from recently (`signin:known`): anyone can fail a
//! sign-in for a public username, and without that exemption anyone could lock its owner out.
//!
//! The account is counted by id when it exists, whether named by email or by username, and by
//! the normalised identifier when it does not, so unknown accounts are throttled like known ones
//! and a 429 says nothing about whether an account exists. When Redis is down sign-in still works
//! (unthrottled, with a warning): locking everybody out during a cache outage would be worse than
//! the brief loss of brute-force protection, which nginx's per-address rate limit still partly
//! provides.

use redis::AsyncCommands;
use shared::cache::Cache;
use shared::ids::UserId;
use std::net::IpAddr;

use crate::config::ThrottleConfig;
use crate::domain::Identifier;
use crate::error::AuthError;

/// Checks every counter and increments them all, or none when one is at its limit.
/// KEYS: the account's counter; with an address also its `known` marker, the (account, address)
/// counter and the address counter. ARGV: window, then the limits in the order of the counters.
/// Returns 0 when reserved, else the seconds until the fullest counter expires.
const RESERVE: &str = r"
local window = tonumber(ARGV[1])
local counters = { KEYS[1] }
local limits = { tonumber(ARGV[2]) }
if #KEYS == 4 then
  if redis.call('EXISTS', KEYS[2]) == 1 then
    limits[1] = nil
  end
  counters = { KEYS[1], KEYS[3], KEYS[4] }
  limits[2] = tonumber(ARGV[3])
  limits[3] = tonumber(ARGV[4])
end
local wait = 0
for i, key in ipairs(counters) do
  local limit = limits[i]
  if limit and tonumber(redis.call('GET', key) or '0') >= limit then
    wait = math.max(wait, redis.call('TTL', key), 1)
  end
end
if wait > 0 then
  return wait
end
for _, key in ipairs(counters) do
  redis.call('INCR', key)
  if redis.call('TTL', key) < 0 then
    redis.call('EXPIRE', key, window)
  end
end
return 0
";

/// Gives back a successful attempt's reservation. KEYS: the account's counter; with an address
/// also its `known` marker, the (account, address) counter and the address counter.
/// ARGV: how long the address stays known, in seconds.
const SUCCEEDED: &str = r"
local function give_back(key)
  if tonumber(redis.call('GET', key) or '0') > 0 then
    redis.call('DECR', key)
  end
end
give_back(KEYS[1])
if #KEYS == 4 then
  redis.call('SET', KEYS[2], '1', 'EX', tonumber(ARGV[1]))
  redis.call('DEL', KEYS[3])
  give_back(KEYS[4])
end
return 0
";

/// Sign-in attempt counters.
#[derive(Clone)]
pub struct SignInThrottle {
    cache: Cache,
    config: ThrottleConfig,
    reserve: redis::Script,
    succeeded: redis::Script,
}

/// Whose attempts these are: an account by id, or an identifier that names no account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountKey(String);

impl AccountKey {
    /// The account's when there is one, else the identifier's, so that unknown accounts are
    /// throttled like known ones.
    pub fn new(account: Option<UserId>, identifier: &Identifier) -> Self {
        match account {
            Some(id) => Self::of_account(id),
            None => Self(identifier.throttle_key()),
        }
    }

    /// An existing account's, whichever way it was named.
    pub fn of_account(id: UserId) -> Self {
        Self(format!("account:{id}"))
    }
}

/// A reserved attempt: counted already, to be given back if it succeeds.
#[must_use = "a successful attempt must be given back with `succeeded`"]
pub struct Reservation {
    keys: Vec<String>,
}

impl SignInThrottle {
    /// Over the given Redis.
    pub fn new(cache: Cache, config: ThrottleConfig) -> Self {
        Self {
            cache,
            config,
            reserve: redis::Script::new(RESERVE),
            succeeded: redis::Script::new(SUCCEEDED),
        }
    }

    /// The keys of the scripts: the account's counter, then with an address its `known` marker,
    /// the (account, address) counter and the address counter.
    fn keys(&self, account: &AccountKey, address: Option<IpAddr>) -> Vec<String> {
        let account = &account.0;
        let mut keys = vec![self.cache.key(format_args!("signin:account:{account}"))];
        if let Some(address) = address {
            keys.push(self.known_key(account, address));
            keys.push(
                self.cache
                    .key(format_args!("signin:pair:{account}|{address}")),
            );
            keys.push(self.cache.key(format_args!("signin:address:{address}")));
        }
        keys
    }

    fn known_key(&self, account: &str, address: IpAddr) -> String {
        self.cache
            .key(format_args!("signin:known:{account}|{address}"))
    }

    /// Counts an attempt before its password is checked, or refuses it with `Throttled` (and
    /// counts nothing) when a limit is reached.
    pub async fn reserve(
        &self,
        account: &AccountKey,
        address: Option<IpAddr>,
    ) -> Result<Reservation, AuthError> {
        let keys = self.keys(account, address);
        let mut invocation = self.reserve.prepare_invoke();
        for key in &keys {
            invocation.key(key);
        }
        invocation
            .arg(self.config.window.as_secs().max(1))
            .arg(self.config.per_account)
            .arg(self.config.per_account_address)
            .arg(self.config.per_address);
        let mut connection = self.cache.connection();
        match invocation.invoke_async::<u64>(&mut connection).await {
            Ok(0) => Ok(Reservation { keys }),
            Ok(retry_after_secs) => Err(AuthError::Throttled { retry_after_secs }),
            Err(e) => {
                tracing::warn!(error = %e, "sign-in throttle unavailable; not throttling");
                Ok(Reservation { keys: Vec::new() })
            }
        }
    }

    /// The attempt signed in: gives its reservation back, forgets the account's failures from
    /// this address and remembers the address as the owner's.
    pub async fn succeeded(&self, reservation: Reservation) {
        if reservation.keys.is_empty() {
            return;
        }
        let mut invocation = self.succeeded.prepare_invoke();
        for key in &reservation.keys {
            invocation.key(key);
        }
        invocation.arg(self.config.known_address_ttl.as_secs().max(1));
        let mut connection = self.cache.connection();
        if let Err(e) = invocation.invoke_async::<()>(&mut connection).await {
            tracing::warn!(error = %e, "could not give back a successful sign-in");
        }
    }

    /// Remembers `address` as the owner's (a sign-up).
    pub async fn remember_address(&self, account: &AccountKey, address: Option<IpAddr>) {
        let Some(address) = address else { return };
        let key = self.known_key(&account.0, address);
        let ttl = self.config.known_address_ttl.as_secs().max(1);
        let mut connection = self.cache.connection();
        if let Err(e) = connection.set_ex::<_, _, ()>(key, 1, ttl).await {
            tracing::warn!(error = %e, "could not remember a sign-up's address");
        }
    }
}
