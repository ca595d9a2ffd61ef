-- Message search (contract section 9).
--
-- Words: a generated tsvector with English stemming, kept in step with every edit and delete by
-- Postgres itself (a tombstone's content is '', so its vector is empty), and a GIN index on it.
-- Substrings inside words (a run of 3 or more characters): a trigram GIN index on the content,
-- which serves ILIKE '%...%'. pg_trgm is a trusted extension: the database owner may create it.
-- Scripts written without spaces (Chinese, Japanese, Thai, …), where a whole sentence is one
-- "word" to the text parser and a two-character word has no trigram: each run of them is also
-- indexed as its overlapping pairs of characters ("北京的" → "北京 京的"), so a run of 2 or more
-- characters is found through the index as those pairs in a row (the query's ILIKE rechecks).
-- The character ranges are those of `is_unspaced` in messages/src/domain/search.rs.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION unspaced_bigrams(content text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(string_agg(substr(r.m[1], i, 2), ' ' ORDER BY r.n, i), '')
    FROM regexp_matches(content,
             '[\u0E00-\u0EFF\u1000-\u109F\u1780-\u17FF\u3040-\u30FF\u31F0-\u31FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF66-\uFF9F\U00020000-\U0002FFFF]{2,}',
             'g') WITH ORDINALITY AS r(m, n),
         generate_series(1, char_length(r.m[1]) - 1) AS i
$$;

ALTER TABLE messages
    ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('english'::regconfig, content)) STORED,
    ADD COLUMN search_bigrams tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, unspaced_bigrams(content))) STORED;

CREATE INDEX messages_search_vector ON messages USING gin (search_vector);
CREATE INDEX messages_search_bigrams ON messages USING gin (search_bigrams);
CREATE INDEX messages_content_trigrams ON messages USING gin (content gin_trgm_ops);
