//! users: the user directory and everyone's presence state.
//!
//! Owns its own copy of every account's public profile, built from `UserEventsExchange`:
//! `user.registered` adds it, `user.online` / `user.offline` set its status and `lastSeenAt`
//! (whichever arrives first creates the row; an older presence event arriving late is
//! ignored). Serves `GET /api/users` (keyset-paginated, sorted, prefix-searchable, through a
//! Redis cache invalidated by a version counter) and `GET /api/users/{id}`. Publishes nothing.
//!
//! Layout:
//! - [`startup`]: `Application::build` (infrastructure, consumers, HTTP server); [`config`].
//! - [`domain`]: parsed query parameters (sort, direction, page size, prefix, cursor) and the
//!   public profile shape; pure and unit-tested.
//! - [`repository`]: all SQL, over any `GenericClient` so it also runs in a transaction.
//! - [`cache`]: the Redis page cache and its invalidation by version.
//! - [`directory`]: the application state the routes use (listing through the cache).
//! - [`routes`]: one file per endpoint; [`consumers`]: one file per consumed event.
//! - [`error`]: the one error type and its mapping to HTTP answers and to retry/dead-letter.
//! - [`migrations`]: the embedded schema (`migrations/V*.sql`).

pub mod cache;
pub mod config;
pub mod consumers;
pub mod directory;
pub mod domain;
pub mod error;
pub mod migrations;
pub mod repository;
pub mod routes;
pub mod startup;
