-- Accounts and administration (API v1.1 §5): roles, deactivation, profiles, bots' kind, and invites.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member', 'guest'));
UPDATE users SET role = 'guest' WHERE guest = 1;
ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN display_name TEXT;
-- The upload shown as the avatar (its thumbnail): an upload marked `avatar`, so it is never attached or expired.
ALTER TABLE users ADD COLUMN avatar_id TEXT;
ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'user' CHECK (kind IN ('user', 'bot'));
CREATE INDEX users_admins ON users (created_at) WHERE role = 'admin' AND active = 1;
-- Invite codes: a use counts only when an account is created (in the creating transaction).
CREATE TABLE invites (
  code       TEXT PRIMARY KEY,
  max_uses   INTEGER NOT NULL,
  uses       INTEGER NOT NULL DEFAULT 0,
  expires_at TEXT NOT NULL,
  created_by INTEGER NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0
);
