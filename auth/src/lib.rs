//! auth: accounts, sessions and the cookies that carry them.
//!
//! Owns its database of accounts (bcrypt hashes), sessions and hashed refresh tokens. It alone
//! holds the private key that signs the `auth` cookie's token. Publishes `user.registered`,
//! `user.logged.in` and `user.signed.out` on `UserEventsExchange` through its transactional
//! outbox. Consumes nothing.

pub mod config;
pub mod migrations;
pub mod routes;
pub mod startup;
