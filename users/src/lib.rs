//! users: the user directory and everyone's presence state.
//!
//! Keeps its own copy of every account's public profile (from `user.registered`) and each user's
//! status and `lastSeenAt` (from `user.online` / `user.offline`), and serves `GET /api/users`
//! from a Redis cache. Publishes nothing.

pub mod config;
pub mod migrations;
pub mod routes;
pub mod startup;
