//! Events of `UserEventsExchange`. Emails and password hashes never appear here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Event, Exchange};
use crate::ids::{SessionId, UserId};

/// An account was created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRegistered {
    /// The new account.
    pub user_id: UserId,
    /// Its username, as typed (uniqueness ignores case).
    pub username: String,
}

impl Event for UserRegistered {
    const EXCHANGE: Exchange = Exchange::UserEvents;
    const ROUTING_KEY: &'static str = "user.registered";
}

/// Someone signed in, starting a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserLoggedIn {
    /// Who.
    pub user_id: UserId,
    /// Their username.
    pub username: String,
    /// The new session.
    pub session_id: SessionId,
}

impl Event for UserLoggedIn {
    const EXCHANGE: Exchange = Exchange::UserEvents;
    const ROUTING_KEY: &'static str = "user.logged.in";
}

/// A session ended (`session_id`), or all of a user's sessions did (`None`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSignedOut {
    /// Who.
    pub user_id: UserId,
    /// The session that ended, or `null` for every session of the user.
    pub session_id: Option<SessionId>,
}

impl Event for UserSignedOut {
    const EXCHANGE: Exchange = Exchange::UserEvents;
    const ROUTING_KEY: &'static str = "user.signed.out";
}

/// A user's first connection opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserOnline {
    /// Who.
    pub user_id: UserId,
    /// Their username.
    pub username: String,
    /// When the first connection opened.
    pub at: DateTime<Utc>,
}

impl Event for UserOnline {
    const EXCHANGE: Exchange = Exchange::UserEvents;
    const ROUTING_KEY: &'static str = "user.online";
}

/// A user's last connection closed or expired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserOffline {
    /// Who.
    pub user_id: UserId,
    /// Their username.
    pub username: String,
    /// When the last connection went away; becomes their `lastSeenAt`.
    pub at: DateTime<Utc>,
}

impl Event for UserOffline {
    const EXCHANGE: Exchange = Exchange::UserEvents;
    const ROUTING_KEY: &'static str = "user.offline";
}
