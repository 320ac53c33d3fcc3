-- Email (API v1.1 §4 "Email"): a user's private address, and the digest worker's work. Times in the email_*
-- tables are milliseconds since the epoch.
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN email_notifications INTEGER NOT NULL DEFAULT 1;
-- Verification tokens: only a token's SHA-256 is kept, with the address it verifies. Setting an address deletes
-- the user's earlier tokens, so only the latest token of the current address verifies.
CREATE TABLE email_tokens (
  token_hash BLOB PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  email      TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX email_tokens_user ON email_tokens (user_id);
-- Per user: when the last digest went out, and until when one node holds the next one (a claim that expires).
CREATE TABLE email_digests (
  user_id       INTEGER PRIMARY KEY,
  last_sent_at  INTEGER NOT NULL DEFAULT 0,
  claimed_until INTEGER NOT NULL DEFAULT 0,
  attempts      INTEGER NOT NULL DEFAULT 0
);
-- Messages decided for a user's digest: pending while mailed_at is null. Mailed ones are kept a day, so that a
-- message is never queued twice, then pruned.
CREATE TABLE email_queue (
  user_id      INTEGER NOT NULL,
  room_id      INTEGER NOT NULL,
  seq          INTEGER NOT NULL,
  reason       TEXT NOT NULL CHECK (reason IN ('dm', 'user', 'reply')),
  committed_at INTEGER NOT NULL,
  mailed_at    INTEGER,
  PRIMARY KEY (user_id, room_id, seq)
) WITHOUT ROWID;
CREATE INDEX email_queue_pending ON email_queue (committed_at, user_id) WHERE mailed_at IS NULL;
