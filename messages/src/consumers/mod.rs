//! What messages does with public events: one file per event, each idempotent.

pub mod user_registered;
