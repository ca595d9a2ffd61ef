//! notifications: the notifications WebSocket and stored notifications.
//!
//! Pushes presence changes, new sign-ups and new-message alerts to connected users over
//! `/ws/notifications`, and stores a notification for each message whose receiver is not
//! looking at that conversation, listed and marked read over `/api/notifications`.

pub mod config;
pub mod migrations;
pub mod routes;
pub mod startup;
