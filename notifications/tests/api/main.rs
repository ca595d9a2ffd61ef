//! notifications' integration tests, against real Postgres, RabbitMQ and Redis.
//!
//! A test that cannot set itself up should fail loudly, and not every helper is used by every
//! test.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    dead_code
)]

mod dead_letters;
mod fanout;
mod fragments;
mod groups;
mod health;
mod helpers;
mod hostile;
mod listing;
mod live_push;
mod mark_read;
mod message_read;
mod message_sent;
mod mutes;
mod presence;
mod push_delivery;
mod push_restart;
mod push_sessions;
mod push_ssrf;
mod push_subscriptions;
mod push_support;
mod socket;
mod validation;
