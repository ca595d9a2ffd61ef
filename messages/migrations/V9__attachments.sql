-- Attachments (contract section 8). The file and its thumbnail live in the object store under
-- generated keys (never the client's name); this table says whose they are, where they were
-- sent, and what is still to be deleted.
CREATE TABLE attachments (
    id              uuid PRIMARY KEY,
    uploader        uuid NOT NULL,
    -- The client's name, made safe (domain::attachment::Filename).
    filename        text NOT NULL,
    -- Sniffed from the bytes.
    content_type    text NOT NULL,
    -- Stored bytes (after metadata was stripped); what the uploader's quota counts.
    size            bigint NOT NULL CHECK (size >= 0),
    width           int,
    height          int,
    storage_key     text NOT NULL UNIQUE,
    -- Null unless it is an image.
    thumbnail_key   text UNIQUE,
    thumbnail_type  text,
    -- pending: uploaded, not yet used by a send (only its uploader sees it);
    -- sent: part of message_id in conversation_id (its members see it);
    -- deleted: its message, group or pending time is gone; the sweep deletes the objects and
    -- then the row (so a failed delete is retried, also after a restart).
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'deleted')),
    message_id      uuid,
    conversation_id uuid,
    -- Its place among its message's attachments.
    position        int,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'sent') = (message_id IS NOT NULL))
);

-- The quota sums an uploader's attachments.
CREATE INDEX attachments_uploader ON attachments (uploader);
-- A page of messages fetches its attachments.
CREATE INDEX attachments_message ON attachments (message_id, position) WHERE message_id IS NOT NULL;
-- A deleted group takes its attachments with it.
CREATE INDEX attachments_conversation ON attachments (conversation_id) WHERE conversation_id IS NOT NULL;
-- The sweep: expired pending uploads and deleted attachments.
CREATE INDEX attachments_unsent ON attachments (status, created_at) WHERE status <> 'sent';
