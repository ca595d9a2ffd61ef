//! socket-handler: the chat WebSocket, `/ws/chat`.
//!
//! Holds users' chat connections. It checks each client frame's shape, applies the per-user send
//! rate limit and forwards the frame as a command to messages, which decides and stores: sends and
//! typing to its active writer over the writer lane, the rest on a durable queue. What messages
//! decided comes back on the chat delivery exchange to the nodes that hold the sockets concerned
//! (each node binds its connected users), and becomes `message.ack`, `message.new`, `message.read`,
//! `typing`, `message.votes` or `error` frames. Closes a session's sockets on `user.signed.out`;
//! its sockets count for presence.
//!
//! Layout: `routes/` the socket endpoint; `frames` client and server frames; `protocol` what a
//! connection does with frames; `forwarder` how its commands leave the node, `lane` the writer
//! lane; `deliveries/` what the node does with deliveries; `bindings`
//! which users' deliveries this node receives; `rate_limit` the send allowance.

pub mod bindings;
pub mod config;
pub mod deliveries;
pub mod forwarder;
pub mod frames;
pub mod lane;
pub mod migrations;
pub mod protocol;
pub mod rate_limit;
pub mod routes;
pub mod startup;
