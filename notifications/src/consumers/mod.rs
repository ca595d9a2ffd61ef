//! What notifications does with events. The ones here feed this node's sockets (they arrive
//! through the node's own inbox, so every node sees every one).

pub mod presence_changed;
pub mod user_registered;
pub mod user_signed_out;
