//! users's integration tests, against real Postgres, RabbitMQ and Redis.
//!
//! A test that cannot set itself up should fail loudly, and not every helper is used by every
//! test binary's current tests.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    dead_code
)]

mod authentication;
mod cache;
mod dead_letters;
mod get_user;
mod health;
mod helpers;
mod hostile;
mod listing;
mod outages;
mod pagination;
mod presence;
mod search;
mod validation;
