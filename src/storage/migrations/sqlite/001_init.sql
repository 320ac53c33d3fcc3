-- Natter schema v1 (SQLite). Identifiers are integers inside; the API shows them as strings.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL,
  username_key  TEXT NOT NULL UNIQUE,           -- lower-cased: usernames are unique case-insensitively
  password_hash TEXT,                           -- null for guests
  guest         INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
  id         INTEGER PRIMARY KEY,
  token_hash BLOB NOT NULL UNIQUE,              -- SHA-256 of the token; the token itself is never stored
  user_id    INTEGER NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL
);

CREATE TABLE rooms (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  topic      TEXT NOT NULL DEFAULT '',
  visibility TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
  kind       TEXT NOT NULL CHECK (kind IN ('room', 'dm')),
  dm_a       INTEGER REFERENCES users(id),      -- DM rooms: the two people
  dm_b       INTEGER REFERENCES users(id),
  created_at TEXT NOT NULL,
  last_seq   INTEGER NOT NULL DEFAULT 0         -- the per-room seq counter, bumped in the posting transaction
);

CREATE TABLE members (
  room_id   INTEGER NOT NULL REFERENCES rooms(id),
  user_id   INTEGER NOT NULL REFERENCES users(id),
  role      TEXT NOT NULL CHECK (role IN ('owner', 'member')),
  read_seq  INTEGER NOT NULL DEFAULT 0,
  joined_at TEXT NOT NULL,
  PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members (user_id, room_id);

-- Membership history for replay: a user may see a room's events with from_pos <= pos <= to_pos.
CREATE TABLE member_spans (
  user_id  INTEGER NOT NULL,
  room_id  INTEGER NOT NULL,
  from_pos INTEGER NOT NULL,
  to_pos   INTEGER,                              -- null while still a member
  PRIMARY KEY (user_id, room_id, from_pos)
) WITHOUT ROWID;

CREATE TABLE messages (
  id         INTEGER PRIMARY KEY,
  room_id    INTEGER NOT NULL REFERENCES rooms(id),
  seq        INTEGER NOT NULL,
  author_id  INTEGER NOT NULL REFERENCES users(id),
  text       TEXT NOT NULL,
  client_id  TEXT,
  created_at TEXT NOT NULL,
  edited_at  TEXT,
  deleted    INTEGER NOT NULL DEFAULT 0,
  UNIQUE (room_id, seq)
);
CREATE UNIQUE INDEX messages_client_id ON messages (author_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE reactions (
  id         INTEGER PRIMARY KEY,                -- reaction order for the "who reacted" list
  message_id INTEGER NOT NULL REFERENCES messages(id),
  emoji      TEXT NOT NULL,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  UNIQUE (message_id, emoji, user_id)
);

-- The event log. pos is INTEGER PRIMARY KEY without AUTOINCREMENT: max+1 inside the
-- single-writer transaction, so positions are gapless and in commit order.
CREATE TABLE events (
  pos     INTEGER PRIMARY KEY,
  room_id INTEGER NOT NULL,
  type    TEXT NOT NULL,
  subject INTEGER,
  data    TEXT NOT NULL
);
CREATE INDEX events_by_room ON events (room_id, pos);
