//! auth's schema, embedded in the binary and applied at start-up.

use shared::db::Migration;

/// Every migration, oldest first. Never edit one that has shipped: add the next.
pub const ALL: &[Migration] = &[
    Migration::new(1, "outbox", shared::outbox::SCHEMA_SQL),
    Migration::new(
        2,
        "accounts and sessions",
        include_str!("../migrations/V2__accounts_and_sessions.sql"),
    ),
    Migration::new(
        3,
        "revoked sessions index",
        include_str!("../migrations/V3__revoked_sessions_index.sql"),
    ),
    Migration::new(4, "outbox bcc", shared::outbox::BCC_SQL),
    Migration::new(5, "outbox ids", shared::outbox::ID_NOT_UNIQUE_SQL),
];
