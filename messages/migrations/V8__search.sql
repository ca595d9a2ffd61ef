-- Message search (contract section 9).
--
-- Words: a generated tsvector with English stemming, kept in step with every edit and delete by
-- Postgres itself (a tombstone's content is '', so its vector is empty), and a GIN index on it.
-- Substrings (a run of 3 or more characters inside a word, and text in scripts written without
-- spaces, where a whole sentence is one "word" to the parser): a trigram GIN index on the
-- content, which serves ILIKE '%...%'. pg_trgm is a trusted extension: the database owner may
-- create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE messages
    ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('english'::regconfig, content)) STORED;

CREATE INDEX messages_search_vector ON messages USING gin (search_vector);
CREATE INDEX messages_content_trigrams ON messages USING gin (content gin_trgm_ops);
