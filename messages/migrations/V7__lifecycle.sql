-- The message lifecycle (contract section 7): replies, edits with their history, deletes that
-- leave a tombstone, reactions, and the change feed by rev.
ALTER TABLE messages
    ADD COLUMN reply_to_id uuid,
    ADD COLUMN edited_at timestamptz,
    ADD COLUMN deleted_at timestamptz;

-- The change feed: a conversation's messages by the rev of their last change.
CREATE INDEX messages_conversation_rev ON messages (conversation_id, rev);

-- Earlier versions of an edited message (the latest 100 are kept); the current text is on the
-- message itself.
CREATE TABLE message_revisions (
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    version    int NOT NULL,
    content    text NOT NULL,
    -- When this version was replaced (its successor's edit); the original has been "edited" at
    -- null in the contract's answer, which reads the previous row's time.
    edited_at  timestamptz,
    PRIMARY KEY (message_id, version)
);

-- One reaction per (user, message, emoji).
CREATE TABLE message_reactions (
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL,
    emoji      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, user_id, emoji)
);
