-- Web Push (API v1.1 §4). Server-wide keys made once (the VAPID key pair: the same on every node).
CREATE TABLE server_keys (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- A browser's push subscription, owned by the session that made it: logout and every other end of that
-- session delete it (ON DELETE CASCADE). One row per endpoint; registering it again moves it to the new owner.
CREATE TABLE push_subscriptions (
  id         TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
  endpoint   TEXT NOT NULL UNIQUE,
  p256dh     TEXT NOT NULL,
  auth       TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, created_at);
CREATE INDEX push_subscriptions_session ON push_subscriptions (session_id);
