-- Accounts and administration (API v1.1 §5). Mirrors sqlite/009_accounts.sql.
ALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member', 'guest'));
UPDATE users SET role = 'guest' WHERE guest;
ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;
ALTER TABLE users ADD COLUMN display_name text;
ALTER TABLE users ADD COLUMN avatar_id text;
ALTER TABLE users ADD COLUMN kind text NOT NULL DEFAULT 'user' CHECK (kind IN ('user', 'bot'));
CREATE INDEX users_admins ON users (created_at) WHERE role = 'admin' AND active;
CREATE TABLE invites (
  code       text PRIMARY KEY,
  max_uses   int NOT NULL,
  uses       int NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL,
  created_by bigint NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL,
  revoked    boolean NOT NULL DEFAULT false
);
