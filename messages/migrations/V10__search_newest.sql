-- Message search reads the viewer's newest messages first (messages/src/repository/search.rs):
-- each conversation's messages newest first in the order results are listed, so that the newest
-- few of every conversation are read without sorting, and a common word's page is found among
-- them instead of through every match the text indexes list.
CREATE INDEX messages_conversation_newest ON messages (conversation_id, created_at, seq, id);
