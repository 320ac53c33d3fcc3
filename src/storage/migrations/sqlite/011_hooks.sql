-- Bots and webhooks (API v1.1 §6). A bot is a user with kind 'bot' and an owner; its token is a session that
-- never expires. Hooks: incoming ones post as a bot (found by the SHA-256 of their URL's secret); outgoing ones
-- are cursors over the log (start_pos, then acked_pos) delivered by whichever node holds their lease.
ALTER TABLE users ADD COLUMN owner_id INTEGER REFERENCES users(id);
CREATE INDEX users_owner ON users (owner_id) WHERE owner_id IS NOT NULL;
ALTER TABLE messages ADD COLUMN alias TEXT;
CREATE TABLE hooks (
  id           INTEGER PRIMARY KEY,
  room_id      INTEGER NOT NULL REFERENCES rooms(id),
  kind         TEXT NOT NULL CHECK (kind IN ('incoming', 'outgoing')),
  created_by   INTEGER NOT NULL REFERENCES users(id),
  created_at   TEXT NOT NULL,
  bot_id       INTEGER REFERENCES users(id),      -- incoming
  secret_hash  BLOB UNIQUE,                       -- incoming: SHA-256 of the URL's secret
  url          TEXT,                              -- outgoing from here on
  secret       TEXT,                              -- the signing secret, whsec_…
  events       TEXT,                              -- JSON array of event types
  include_bots INTEGER NOT NULL DEFAULT 0,
  active       INTEGER NOT NULL DEFAULT 1,
  pos          INTEGER NOT NULL,                  -- handled up to here: acknowledged, or not in the feed (the log head at creation)
  acked_pos    INTEGER,                           -- the last acknowledged event (null: none yet)
  attempts     INTEGER NOT NULL DEFAULT 0,        -- failed tries of the next event
  next_at      INTEGER NOT NULL DEFAULT 0,        -- ms epoch: not tried again before
  last_at      TEXT,
  last_pos     INTEGER,
  last_status  INTEGER,
  last_error   TEXT,
  lease_owner  TEXT,
  lease_until  INTEGER NOT NULL DEFAULT 0         -- ms epoch
);
CREATE INDEX hooks_room ON hooks (room_id, id);
CREATE INDEX hooks_due ON hooks (next_at) WHERE kind = 'outgoing' AND active = 1;
