-- Who exists, from user.registered (and from the senders of commands): peers' usernames, and
-- whether a message's receiver is a real account.
CREATE TABLE users (
    id       uuid PRIMARY KEY,
    username text NOT NULL
);

-- A conversation and its members. Two-party conversations are found by their pair; a group
-- conversation later is the same tables with more members and no pair.
CREATE TABLE conversations (
    id         uuid PRIMARY KEY,
    pair_key   text UNIQUE,
    last_seq   bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE conversation_members (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL,
    -- Everything up to and including this seq has been read; it only moves forward.
    last_read_seq   bigint NOT NULL DEFAULT 0,
    -- Messages from others after last_read_seq, kept exact in the same transactions.
    unread_count    bigint NOT NULL DEFAULT 0,
    joined_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_user ON conversation_members (user_id);

CREATE TABLE messages (
    id              uuid PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             bigint NOT NULL,
    sender_id       uuid NOT NULL,
    receiver_id     uuid NOT NULL,
    client_msg_id   text NOT NULL,
    content         text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    up_votes        bigint NOT NULL DEFAULT 0,
    down_votes      bigint NOT NULL DEFAULT 0,
    UNIQUE (conversation_id, seq),
    -- A retried send finds the message stored the first time.
    UNIQUE (conversation_id, sender_id, client_msg_id)
);

-- One vote per user per message: 1 up, -1 down.
CREATE TABLE message_votes (
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL,
    vote       smallint NOT NULL CHECK (vote IN (-1, 1)),
    PRIMARY KEY (message_id, user_id)
);
