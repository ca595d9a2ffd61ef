//! messages' schema, embedded in the binary and applied at start-up.

use shared::db::Migration;

/// Every migration, oldest first. Never edit one that has shipped: add the next.
pub const ALL: &[Migration] = &[
    Migration::new(1, "outbox", shared::outbox::SCHEMA_SQL),
    Migration::new(
        2,
        "conversations and messages",
        include_str!("../migrations/V2__conversations_and_messages.sql"),
    ),
    Migration::new(
        3,
        "vote version",
        include_str!("../migrations/V3__vote_version.sql"),
    ),
    Migration::new(
        4,
        "processed commands",
        include_str!("../migrations/V4__processed_commands.sql"),
    ),
    Migration::new(5, "outbox bcc", shared::outbox::BCC_SQL),
    Migration::new(6, "groups", include_str!("../migrations/V6__groups.sql")),
    Migration::new(
        7,
        "lifecycle",
        include_str!("../migrations/V7__lifecycle.sql"),
    ),
    Migration::new(8, "search", include_str!("../migrations/V8__search.sql")),
    Migration::new(
        9,
        "attachments",
        include_str!("../migrations/V9__attachments.sql"),
    ),
    Migration::new(
        10,
        "search newest",
        include_str!("../migrations/V10__search_newest.sql"),
    ),
    Migration::new(
        11,
        "ascii bigrams",
        include_str!("../migrations/V11__ascii_bigrams.sql"),
    ),
    Migration::new(
        12,
        "one index for repeated sends",
        include_str!("../migrations/V12__repeated_sends_index.sql"),
    ),
    Migration::new(13, "outbox ids", shared::outbox::ID_NOT_UNIQUE_SQL),
    Migration::new(
        14,
        "outbox chat deliveries index",
        include_str!("../migrations/V14__outbox_deliveries_index.sql"),
    ),
];
