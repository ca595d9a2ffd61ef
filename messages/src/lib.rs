//! messages: the history of every conversation, read state and votes.
//!
//! Stores messages in its own database, numbering each conversation's messages 1, 2, 3, …
//! without gaps; keeps read watermarks and votes; serves conversations and history. Publishes
//! `message.sent`, `message.read` and `message.voted` on `MessageEventsExchange` through its
//! transactional outbox.

pub mod config;
pub mod migrations;
pub mod routes;
pub mod startup;
