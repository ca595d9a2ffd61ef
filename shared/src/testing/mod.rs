//! The integration-test harness: real Postgres, RabbitMQ and Redis, isolated per test.
//!
//! Each [`TestInfra`] owns a fresh database, an AMQP name prefix and a Redis key prefix, so tests
//! run in parallel against the same servers without seeing each other; dropping it (even while a
//! failed test unwinds) deletes all three. Servers come from `PG_URL`, `AMQP_URL` and `REDIS_URL`
//! (what `make test` exports), defaulting to the local ones.
//!
//! This is test code: a harness that cannot reach its servers should fail the test loudly, so
//! `expect` is the right tool here.
#![allow(clippy::expect_used)]

pub mod hostile;
mod infra;
mod probe;
mod proxy;
mod service;
mod user;
mod ws;

pub use infra::{TEST_ORIGIN, TestInfra};
pub use probe::EventProbe;
pub use proxy::TcpProxy;
pub use service::*;
pub use user::{DEV_PRIVATE_KEY, TestUser};
pub use ws::{WsClient, WsEnd};

use std::future::Future;
use std::time::Duration;

/// Waits until `check` returns `Some`, polling, or panics after `timeout` naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
