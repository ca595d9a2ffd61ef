//! messages' SQL. Functions take any client (pooled connection or transaction), so callers
//! decide what happens atomically.

pub mod attachments;
pub mod conversations;
pub mod messages;
pub mod processed;
pub mod reactions;
pub mod read_state;
pub mod search;
pub mod statistics;
pub mod users;
pub mod votes;
