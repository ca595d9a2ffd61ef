//! Integration tests of the shared infrastructure against the real local Postgres, RabbitMQ and
//! Redis: the bus (confirms, acks, retries, dead-letters, reconnects), the outbox relay,
//! migrations and the Redis handle. Outages are simulated with a proxy that a test cuts, so the
//! shared servers are never disturbed.
#![allow(clippy::expect_used, clippy::unwrap_used, dead_code)]

mod amqp;
mod cache;
mod classify;
mod keyed;
mod migrations;
mod outbox;
mod pipelined;
mod support;
