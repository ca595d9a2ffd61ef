//! notifications: the notifications WebSocket and stored notifications.
//!
//! Pushes presence changes, new sign-ups and new-message alerts to connected users over
//! `/ws/notifications`, and stores a notification for each message whose receiver is not
//! looking at that conversation, listed and marked read over `/api/notifications`.
//!
//! Layout: `routes/` one file per endpoint; `protocol` what the socket accepts; `frames` what it
//! sends; `consumers/` one file per event (the node-inbox ones feed this node's sockets).

pub mod config;
pub mod consumers;
pub mod frames;
pub mod migrations;
pub mod protocol;
pub mod routes;
pub mod startup;
