-- The envelope ids of commands already applied, written in the same transaction as their
-- effects, so a command redelivered after a crash between commit and ack is recognised and
-- skipped. Redeliveries come within minutes; rows older than a day are pruned.
CREATE TABLE processed_commands (
    id          uuid PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_commands_applied_at ON processed_commands (applied_at);
