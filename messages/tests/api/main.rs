//! messages' integration tests, against real Postgres, RabbitMQ and Redis. Messages are created
//! the way socket-handler creates them: commands on the commands queue.
//!
//! A test that cannot set itself up should fail loudly, and not every helper is used by every
//! test.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    dead_code
)]

mod attachments;
mod commands;
mod dead_letters;
mod groups;
mod health;
mod helpers;
mod history;
mod hostile;
mod lane;
mod search;
mod statistics;
mod throttle;
