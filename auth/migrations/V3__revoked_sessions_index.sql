-- Recently revoked sessions are listed again in Redis every few seconds (see sessions.rs).
CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
