-- Email (API v1.1 §4 "Email"). Mirrors sqlite/008_email.sql; times in the email_* tables are milliseconds
-- since the epoch.
ALTER TABLE users ADD COLUMN email text;
ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN email_notifications boolean NOT NULL DEFAULT true;
-- Verification tokens: only a token's SHA-256 is kept, with the address it verifies. Setting an address deletes
-- the user's earlier tokens, so only the latest token of the current address verifies.
CREATE TABLE email_tokens (
  token_hash bytea PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users(id),
  email      text NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX email_tokens_user ON email_tokens (user_id);
-- Per user: when the last digest went out, and until when one node holds the next one (a claim that expires).
CREATE TABLE email_digests (
  user_id       bigint PRIMARY KEY,
  last_sent_at  bigint NOT NULL DEFAULT 0,
  claimed_until bigint NOT NULL DEFAULT 0,
  attempts      bigint NOT NULL DEFAULT 0
);
-- Messages decided for a user's digest: pending while mailed_at is null. Mailed ones are kept a day, so that a
-- message is never queued twice, then pruned.
CREATE TABLE email_queue (
  user_id      bigint NOT NULL,
  room_id      bigint NOT NULL,
  seq          bigint NOT NULL,
  reason       text NOT NULL CHECK (reason IN ('dm', 'user', 'reply')),
  committed_at bigint NOT NULL,
  mailed_at    bigint,
  PRIMARY KEY (user_id, room_id, seq)
);
CREATE INDEX email_queue_pending ON email_queue (committed_at, user_id) WHERE mailed_at IS NULL;
