//! socket-handler: the chat WebSocket, `/ws/chat`.
//!
//! Holds users' chat connections, turns their frames into commands on the bus and delivers
//! stored messages, read receipts, typing and votes back to every connection of both
//! participants, whichever node holds them. Closes a session's sockets on `user.signed.out`.

pub mod config;
pub mod migrations;
pub mod routes;
pub mod startup;
