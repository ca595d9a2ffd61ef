//! All of notifications's SQL. Functions take any [`deadpool_postgres::GenericClient`], so the
//! same code runs on a pooled connection or inside a consumer's transaction.

pub mod fates;
pub mod groups;
pub mod mutes;
pub mod notifications;
pub mod push_subscriptions;
pub mod read_watermarks;
pub mod users;
