-- Stored notifications, the usernames that label them, and each reader's read watermark.

-- Usernames by id, from `user.registered`, so a notification can name its sender
-- (`message.sent` carries only ids).
CREATE TABLE users (
    id       uuid PRIMARY KEY,
    username text NOT NULL
);

-- One notification per received message. `(owner_id, message_id)` is unique, so a message
-- delivered twice, under the same or another event id, is stored once.
CREATE TABLE notifications (
    id              uuid PRIMARY KEY,
    -- The receiver, who alone may see or mark it.
    owner_id        uuid NOT NULL,
    type            text NOT NULL CHECK (type IN ('message')),
    conversation_id uuid NOT NULL,
    message_id      uuid NOT NULL,
    sender_id       uuid NOT NULL,
    -- NULL while the sender's `user.registered` has not arrived: filled when it does, and read
    -- through `users` (or as '') until then.
    sender_username text,
    -- The first 120 characters of the content.
    preview         text NOT NULL,
    -- The message's place in its conversation, so that reading up to a seq can mark it read.
    seq             bigint NOT NULL,
    -- When the message was stored.
    created_at      timestamptz NOT NULL,
    read_at         timestamptz,
    CONSTRAINT notifications_one_per_message UNIQUE (owner_id, message_id)
);

-- The listing (newest first, keyset on created_at, id) and its unread variant, which also
-- serves the unread count and "mark all read".
CREATE INDEX notifications_by_owner
    ON notifications (owner_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread_by_owner
    ON notifications (owner_id, created_at DESC, id DESC) WHERE read_at IS NULL;
-- `message.read`: one reader's unread notifications of one conversation up to a seq.
CREATE INDEX notifications_unread_by_conversation
    ON notifications (owner_id, conversation_id, seq) WHERE read_at IS NULL;
-- Filling in a sender's username once it is known.
CREATE INDEX notifications_unnamed_sender
    ON notifications (sender_id) WHERE sender_username IS NULL;

-- How far each reader has read each conversation. `message.read` and `message.sent` travel on
-- different queues, so a read can be applied before the message it covers is stored: the
-- watermark lets that message be stored as read. Both consumers lock the row, which orders a
-- read and a store of the same conversation.
CREATE TABLE read_watermarks (
    owner_id        uuid NOT NULL,
    conversation_id uuid NOT NULL,
    read_seq        bigint NOT NULL,
    PRIMARY KEY (owner_id, conversation_id)
);
