-- Web Push subscriptions, what was pushed to them, the sessions that ended, and mutes.

-- A browser's push subscription. It belongs to the session that made it and goes when that
-- session ends (`user.signed.out`) or when its push service says it is gone (404/410).
CREATE TABLE push_subscriptions (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL,
    session_id uuid NOT NULL,
    -- The push resource (checked against the SSRF policy on subscribe and before each send).
    -- One subscription per endpoint: the same browser subscribing again, or for another
    -- user, updates or moves it.
    endpoint   text NOT NULL UNIQUE,
    -- The browser's P-256 public key (65 bytes) and auth secret (16 bytes).
    p256dh     bytea NOT NULL,
    auth       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_subscriptions_by_user ON push_subscriptions (user_id, created_at, id);
CREATE INDEX push_subscriptions_by_session ON push_subscriptions (session_id);

-- How each push ended, one row per notification and subscription: the push service took it
-- ('delivered'), the SSRF policy stopped it before anything was sent ('refused'), or it was
-- given up ('dropped': rejected by the push service, or retried as often as allowed). A push job handled again (a redelivery after a crash, a
-- duplicate) tries only pairs without a row, so nothing goes twice. Pruned after two days.
CREATE TABLE push_deliveries (
    notification_id uuid NOT NULL,
    subscription_id uuid NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('delivered', 'refused', 'dropped')),
    delivered_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notification_id, subscription_id)
);
CREATE INDEX push_deliveries_by_time ON push_deliveries (delivered_at);

-- Sessions that ended (`session_id`), or every session of a user that existed at `ended_at`
-- (`session_id` NULL, a sign-out everywhere). A subscription request that was already on its
-- way when its session ended is refused by these, instead of outliving the session. Kept a
-- day: no token of an ended session outlives that.
CREATE TABLE ended_sessions (
    user_id    uuid NOT NULL,
    session_id uuid,
    ended_at   timestamptz NOT NULL
);
CREATE INDEX ended_sessions_by_user ON ended_sessions (user_id);
CREATE INDEX ended_sessions_by_time ON ended_sessions (ended_at);

-- Muted conversations: no push and no live frame, not counted as unread in the badge.
-- `until` NULL: until unmuted. Expired rows mean nothing and are pruned.
CREATE TABLE mutes (
    user_id         uuid NOT NULL,
    conversation_id uuid NOT NULL,
    until           timestamptz,
    PRIMARY KEY (user_id, conversation_id)
);
