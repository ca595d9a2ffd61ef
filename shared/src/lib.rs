//! What the GoChat services truly share, and nothing that only one of them needs.
//!
//! - [`events`]: the public, versioned events of `UserEventsExchange` and
//!   `MessageEventsExchange`, each type carrying its routing key, and their [`events::Envelope`].
//! - [`amqp`]: a self-healing RabbitMQ connection, topology declaration, a confirming
//!   publisher and a consumer loop with manual acks, retries and dead-lettering.
//! - [`chat`]: the internal protocol between socket-handler and messages.
//! - [`outbox`]: the transactional outbox and its relay, for services that write and publish.
//! - [`db`] and [`cache`]: Postgres pools with embedded migrations, and a Redis handle that
//!   reconnects by itself.
//! - [`auth`]: verifying the `auth` cookie's token, session revocation, the signed-in user
//!   extractor.
//! - [`http`]: the contract's error body, origin checks, health and readiness routes.
//! - [`socket`]: WebSocket plumbing and presence, for the two services that hold sockets.
//! - [`service`]: start-up and the HTTP server every service runs the same way.
//! - [`config`], [`telemetry`], [`shutdown`]: process plumbing every service needs.
//! - `testing` (feature `testing`): the integration-test harness against the real servers.

pub mod amqp;
pub mod auth;
pub mod cache;
pub mod chat;
pub mod config;
pub mod db;
pub mod events;
pub mod http;
pub mod ids;
pub mod outbox;
pub mod rate_limit;
pub mod service;
pub mod shutdown;
pub mod socket;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
