//! auth's SQL. Functions take any client (pooled connection or transaction), so callers decide
//! what happens atomically.

pub mod accounts;
pub mod sessions;
