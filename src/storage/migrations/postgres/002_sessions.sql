-- Session lifetimes (API v1.1 §7): when a session was last used (renewed in batches) and the
-- client that made it, so a user can list their sessions and end them; an index to list them by user.
ALTER TABLE sessions ADD COLUMN last_used_at timestamptz;
UPDATE sessions SET last_used_at = created_at;
ALTER TABLE sessions ALTER COLUMN last_used_at SET NOT NULL;
ALTER TABLE sessions ADD COLUMN user_agent text;
CREATE INDEX sessions_user ON sessions (user_id, created_at);
-- Username prefix lookups (GET /api/v1/users) in bytewise order, as members paging orders them.
CREATE INDEX users_key_c ON users (username_key COLLATE "C");
