-- Session lifetimes (API v1.1 §7): when a session was last used (renewed in batches) and the
-- client that made it, so a user can list their sessions and end them; an index to list them by user.
ALTER TABLE sessions ADD COLUMN last_used_at TEXT;
UPDATE sessions SET last_used_at = created_at;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
CREATE INDEX sessions_user ON sessions (user_id, created_at);
