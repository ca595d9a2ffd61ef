-- Groups, as notifications learns them from the system messages that `message.sent` carries in
-- seq order with the conversation's messages: who is a member when a message is stored, and
-- the group's name. Direct conversations have no row here.
CREATE TABLE group_conversations (
    id        uuid PRIMARY KEY,
    name      text NOT NULL,
    -- The seq of the system message that last named it: an older one changes nothing.
    name_seq  bigint NOT NULL
);

CREATE TABLE group_members (
    conversation_id uuid NOT NULL,
    user_id         uuid NOT NULL,
    member          boolean NOT NULL,
    -- The seq of the system message that last changed it: an older one changes nothing, so a
    -- redelivered or overtaken change cannot undo a newer one.
    changed_seq     bigint NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);

-- Messages deleted or edited, remembered because `message.deleted` and `message.edited` travel
-- on queues of their own and can overtake the `message.sent` of their message: a late
-- `message.sent` then notifies nothing for a deleted message, and shows an edited one's text.
CREATE TABLE message_fates (
    message_id uuid PRIMARY KEY,
    deleted    boolean NOT NULL DEFAULT false,
    preview    text,
    edited_at  timestamptz,
    noted_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_fates_noted_at ON message_fates (noted_at);

-- A deleted or edited message's notifications, found by message.
CREATE INDEX notifications_message ON notifications (message_id);
