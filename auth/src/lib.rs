//! auth: accounts, sessions and the cookies that carry them.
//!
//! Owns its database of accounts (bcrypt hashes), sessions and hashed refresh tokens. It alone
//! holds the private key that signs the `auth` cookie's token. Publishes `user.registered`,
//! `user.logged.in` and `user.signed.out` on `UserEventsExchange` through its transactional
//! outbox, so an account created while RabbitMQ is down still reaches the other services once
//! it is back. Consumes nothing.
//!
//! Layout: `routes/` one file per endpoint; `domain/` parsed sign-up and sign-in input;
//! `repository/` SQL; `sessions` starting and ending sessions (rows, events, revocation);
//! `throttle` sign-in attempt limits; `cookies` the cookie flags; `credentials` the
//! password check that costs the same whether or not the account exists.

pub mod client_address;
pub mod config;
pub mod cookies;
pub mod credentials;
pub mod domain;
pub mod error;
pub mod migrations;
pub mod repository;
pub mod routes;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod throttle;
