-- Accounts. Usernames and emails are unique without regard to case; the typed spelling is kept.
CREATE TABLE accounts (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    username      text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));
CREATE UNIQUE INDEX accounts_username_key ON accounts (lower(username));

-- A session is one sign-in: one family of refresh tokens, of which only the newest is valid.
CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    refresh_hash bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    refreshed_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    user_agent   text
);
CREATE INDEX sessions_account ON sessions (account_id) WHERE revoked_at IS NULL;

-- Refresh tokens that were rotated away. Presenting one again means it was stolen (or the
-- client is broken): the whole session is revoked.
CREATE TABLE retired_refresh_tokens (
    refresh_hash bytea PRIMARY KEY,
    session_id   uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    retired_at   timestamptz NOT NULL DEFAULT now()
);
