-- The directory: every account's public profile and presence, built from UserEventsExchange.
-- A row appears on `user.registered`, or on a presence event that overtook it (they travel on
-- different queues), whichever arrives first.
CREATE TABLE users (
    id             uuid PRIMARY KEY,
    -- As typed at sign-up; what clients show.
    username       text NOT NULL,
    -- Case-insensitive uniqueness, prefix search and sorting. Byte order ("C") makes the order
    -- the same on every server and lets `LIKE 'prefix%'` use the index as a range.
    username_lower text COLLATE "C" NOT NULL GENERATED ALWAYS AS (lower(username)) STORED,
    status         text NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
    -- 0 online, 1 offline: "online first" as a plain ascending key for keyset pagination.
    status_rank    smallint NOT NULL
                   GENERATED ALWAYS AS (CASE status WHEN 'online' THEN 0 ELSE 1 END) STORED,
    -- When the last connection went away (the `at` of the last applied `user.offline`).
    last_seen_at   timestamptz,
    -- The `at` of the presence event last applied: one that is older (it arrived late, from the
    -- other queue) is ignored, so the newest transition always wins.
    presence_at    timestamptz,
    -- The `occurredAt` of `user.registered`; null while only presence events have been seen.
    registered_at  timestamptz
);

-- Usernames are unique without regard to case (auth enforces it; this keeps the copy honest),
-- and this index also serves `sort=username` in both directions and prefix search.
CREATE UNIQUE INDEX users_username_lower_key ON users (username_lower);

-- `sort=status` (the default): online first, then username, then id. Keyset pagination compares
-- the whole row `(key, username_lower, id)`, so each direction has an index in its own order;
-- `direction=desc` flips only the status part, hence the negated rank rather than a backward
-- scan.
CREATE INDEX users_online_first ON users (status_rank, username_lower, id);
CREATE INDEX users_offline_first ON users ((-status_rank), username_lower, id);
