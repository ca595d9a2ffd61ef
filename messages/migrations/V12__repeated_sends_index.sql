-- A repeated send is found by its sender and `clientMsgId` alone (repository/messages.rs), through
-- V6's index on those two; V2's unique constraint, which leads with the conversation, served no
-- query. Every stored message paid for both b-trees. One unique index that leads with the sender
-- does both: the same rows are unique as before (so this cannot fail on stored data), and the
-- lookup reads its first two columns.
CREATE UNIQUE INDEX messages_sender_client_msg_id_once
    ON messages (sender_id, client_msg_id, conversation_id);
ALTER TABLE messages DROP CONSTRAINT messages_conversation_id_sender_id_client_msg_id_key;
DROP INDEX messages_sender_client_msg_id;
