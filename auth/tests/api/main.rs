//! auth's integration tests, against real Postgres, RabbitMQ and Redis.
//!
//! A test that cannot set itself up should fail loudly, and not every helper is used by every
//! test.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    dead_code
)]

mod attacks;
mod current_user;
mod email_normalisation;
mod health;
mod helpers;
mod outbox;
mod overlong_passwords;
mod refresh;
mod revocations;
mod signin;
mod signout;
mod signup;
mod throttling;
