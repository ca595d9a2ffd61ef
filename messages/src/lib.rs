//! messages: the history of every conversation, read state and votes.
//!
//! Stores messages in its own database, numbering each conversation's messages 1, 2, 3, …
//! without gaps; keeps read watermarks and votes; serves conversations and history. Applies the
//! chat commands socket-handler forwards (one active writer, so in order: sends and typing over
//! the writer lane, the rest through the commands queue) and publishes
//! `message.sent`, `message.read` and `message.voted` on `MessageEventsExchange`, plus the
//! internal deliveries to socket-handler nodes, through its transactional outbox: nothing is
//! announced or delivered that was not committed, and nothing committed goes unannounced.
//!
//! Layout: `commands/` one file per chat command, `dispatch` what their batches deliver;
//! `consumers/` one file per event; `routes/` one file per endpoint; `domain/` parsed values;
//! `repository/` SQL; `vote_cache` vote counts in Redis; `lane` the writer lane and which replica
//! is the writer; `attachments` uploads and their sweep, `media` what is done to an image before it
//! is stored, `storage` the object store of attachments.

pub mod attachments;
pub mod commands;
pub mod config;
pub mod consumers;
mod dispatch;
pub mod domain;
pub mod error;
pub mod groups;
pub mod lane;
pub mod limits;
pub mod media;
pub mod migrations;
pub mod repository;
pub mod routes;
pub mod startup;
pub mod storage;
pub mod timeline;
pub mod view;
pub mod vote_cache;
