-- Every vote change bumps its message's version, so a cached copy of the counts can never be
-- overwritten by an older one that arrives late.
ALTER TABLE messages ADD COLUMN votes_version bigint NOT NULL DEFAULT 0;
