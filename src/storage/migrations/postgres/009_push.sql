-- Web Push (API v1.1 §4). Mirrors sqlite/006_push.sql.
CREATE TABLE server_keys (
  name  text PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE push_subscriptions (
  id         text PRIMARY KEY,
  n          bigint GENERATED ALWAYS AS IDENTITY,
  user_id    bigint NOT NULL REFERENCES users(id),
  session_id bigint REFERENCES sessions(id) ON DELETE CASCADE,
  endpoint   text NOT NULL UNIQUE,
  p256dh     text NOT NULL,
  auth       text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, created_at);
CREATE INDEX push_subscriptions_session ON push_subscriptions (session_id);
