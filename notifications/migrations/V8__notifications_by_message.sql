-- A message's notifications are found by the message alone (an edit's new preview, a delete),
-- through V6's index on `message_id`, while the unique constraint on (owner, message) served no
-- query but the dedupe of a store. Every notification paid for both b-trees. The same constraint
-- leading with the message does both: the same rows are unique as before (so this cannot fail on
-- stored data), its name is the one the store's `ON CONFLICT` names, and the lookup reads its
-- first column.
ALTER TABLE notifications
    DROP CONSTRAINT notifications_one_per_message,
    ADD CONSTRAINT notifications_one_per_message UNIQUE (message_id, owner_id);
DROP INDEX notifications_message;
