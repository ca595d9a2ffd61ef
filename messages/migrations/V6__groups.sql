-- Group conversations (contract section 6), and the revision number every change bumps
-- (section 7).
--
-- A conversation is "direct" (two users, found by pair_key) or "group" (a name, a topic, members
-- with roles; pair_key NULL). Removing a member deletes their row: membership is the row.
ALTER TABLE conversations
    ADD COLUMN kind text NOT NULL DEFAULT 'direct' CHECK (kind IN ('direct', 'group')),
    ADD COLUMN name text,
    ADD COLUMN topic text,
    -- Grows with every change in the conversation; each message keeps the rev of its last change.
    ADD COLUMN rev bigint NOT NULL DEFAULT 0;
UPDATE conversations SET rev = last_seq;

ALTER TABLE conversation_members
    ADD COLUMN role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
    -- Everything up to and including this seq has reached a device of the member; only forward,
    -- and reading implies it.
    ADD COLUMN last_delivered_seq bigint NOT NULL DEFAULT 0;
UPDATE conversation_members SET last_delivered_seq = last_read_seq;
-- A group has exactly one owner (the row lock on the conversation serialises hand-overs).
CREATE UNIQUE INDEX conversation_members_one_owner
    ON conversation_members (conversation_id) WHERE role = 'owner';

ALTER TABLE messages
    ALTER COLUMN receiver_id DROP NOT NULL,
    ADD COLUMN kind text NOT NULL DEFAULT 'user' CHECK (kind IN ('user', 'system')),
    ADD COLUMN system jsonb,
    ADD COLUMN rev bigint NOT NULL DEFAULT 0;
UPDATE messages SET rev = seq;
-- A repeated send is found by its sender and client id before anything else is checked (the
-- sender may have left the group since).
CREATE INDEX messages_sender_client_msg_id ON messages (sender_id, client_msg_id);
