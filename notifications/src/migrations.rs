//! notifications's schema, embedded in the binary and applied at start-up.

use shared::db::Migration;

/// Every migration, oldest first. Never edit one that has shipped: add the next.
pub const ALL: &[Migration] = &[
    Migration::new(1, "inbox", include_str!("../migrations/V1__inbox.sql")),
    Migration::new(
        2,
        "notifications",
        include_str!("../migrations/V2__notifications.sql"),
    ),
    // Push jobs are written with the notification that they push, and published after commit.
    Migration::new(3, "outbox", shared::outbox::SCHEMA_SQL),
    Migration::new(
        4,
        "push and mutes",
        include_str!("../migrations/V4__push_and_mutes.sql"),
    ),
    Migration::new(5, "outbox bcc", shared::outbox::BCC_SQL),
    Migration::new(
        6,
        "groups and the message lifecycle",
        include_str!("../migrations/V6__groups_and_lifecycle.sql"),
    ),
    Migration::new(7, "outbox ids", shared::outbox::ID_NOT_UNIQUE_SQL),
    Migration::new(
        8,
        "notifications by message",
        include_str!("../migrations/V8__notifications_by_message.sql"),
    ),
];
