//! socket-handler's integration tests: the chat end to end, with the real messages service and
//! one or two socket-handler nodes in this process, against real Postgres, RabbitMQ and Redis.
//!
//! A test that cannot set itself up should fail loudly, and not every helper is used by every
//! test.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    dead_code
)]

mod closing;
mod delivery;
mod flood;
mod fragments;
mod fuzz;
mod groups;
mod guarantees;
mod health;
mod helpers;
mod isolation;
mod lifecycle;
mod poison;
mod slow_client;
mod socket;
mod votes;
