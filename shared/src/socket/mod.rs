//! WebSocket plumbing for the two services that hold sockets (`/ws/chat` and
//! `/ws/notifications`), and presence, which both feed.
//!
//! - [`Upgrades`]: refuse a foreign origin (403) or a missing session (401), upgrade, and serve
//!   the socket on its bare TCP stream (no HTTP dispatcher's buffers under an idle socket).
//! - [`ConnectionHub`]: this node's connections by user and session, with bounded send queues:
//!   a client that does not read fills its queue and is disconnected, so it never slows the
//!   others.
//! - `serve`: one connection's life: frame limits, heartbeats, idle timeout, session expiry,
//!   close codes.
//! - [`Presence`]: who is online, across every node, in Redis; the first connection and the
//!   last one publish `user.online` / `user.offline`, and a dead node's connections expire.
//! - [`SocketNode`]: the hub, presence and inbox a socket service sets up, in one place.
//! - [`NodeInbox`]: one exclusive queue per node for what every node (or this node) must hear,
//!   such as `user.signed.out`, which closes a session's sockets with 4001.

mod connection;
mod hub;
mod node;
mod node_inbox;
mod presence;
mod session_closer;
mod upgrade;
mod wire;

pub use connection::{
    ConnectionContext, Echo, ErrorFrame, FrameHandler, SocketLimits, SocketServices,
};
pub use hub::{ConnectionHub, ConnectionId, Mailbox, Outbound, Registration, Round, Taken};
pub use node::SocketNode;
pub use node_inbox::{NodeInbox, NodeInboxBuilder};
pub use presence::{Presence, PresenceChange, PresenceTiming};
pub use session_closer::SessionCloser;
pub use upgrade::{
    MAX_REQUEST_ID_CHARS, SocketEndpoint, Upgraded, Upgrades, frame_text, refuse_plain, request_id,
};

/// Close codes of the contract and RFC 6455.
pub mod close_code {
    /// The session ended: sign-out, revocation or expiry. The client should refresh or sign in.
    pub const SESSION_ENDED: u16 = 4001;
    /// The server is going away (restart, rolling update): reconnect.
    pub const GOING_AWAY: u16 = 1001;
    /// A frame was over the size limit.
    pub const TOO_BIG: u16 = 1009;
    /// The client broke the protocol.
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// The client did not read fast enough, or was silent too long: try again later.
    pub const TRY_AGAIN_LATER: u16 = 1013;
    /// The user already has as many sockets on this node as one user may (the newest is
    /// refused; close another tab or device's connection first).
    pub const TOO_MANY_SOCKETS: u16 = 4029;
}
