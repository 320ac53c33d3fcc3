-- Natter schema v1 (PostgreSQL). Same shape as the SQLite schema; identifiers are
-- bigints inside and strings in the API. Times are timestamptz (shown as ISO 8601).
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);

CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username      text NOT NULL,
  username_key  text NOT NULL UNIQUE,           -- lower-cased: usernames are unique case-insensitively
  password_hash text,                           -- null for guests
  guest         boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL
);

CREATE TABLE sessions (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_hash bytea NOT NULL UNIQUE,             -- SHA-256 of the token; the token itself is never stored
  user_id    bigint NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL
);

CREATE TABLE rooms (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text NOT NULL UNIQUE,
  topic      text NOT NULL DEFAULT '',
  visibility text NOT NULL CHECK (visibility IN ('public', 'private')),
  kind       text NOT NULL CHECK (kind IN ('room', 'dm')),
  dm_a       bigint REFERENCES users(id),
  dm_b       bigint REFERENCES users(id),
  created_at timestamptz NOT NULL,
  last_seq   bigint NOT NULL DEFAULT 0          -- per-room seq counter: UPDATE … RETURNING in the posting transaction
);

CREATE TABLE members (
  room_id   bigint NOT NULL REFERENCES rooms(id),
  user_id   bigint NOT NULL REFERENCES users(id),
  role      text NOT NULL CHECK (role IN ('owner', 'member')),
  read_seq  bigint NOT NULL DEFAULT 0,
  joined_at timestamptz NOT NULL,
  PRIMARY KEY (room_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id, room_id);

-- Membership history for replay: a user may see a room's events with from_pos <= pos <= to_pos.
CREATE TABLE member_spans (
  user_id  bigint NOT NULL,
  room_id  bigint NOT NULL,
  from_pos bigint NOT NULL,
  to_pos   bigint,                              -- null while still a member
  PRIMARY KEY (user_id, room_id, from_pos)
);

CREATE TABLE messages (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  room_id    bigint NOT NULL REFERENCES rooms(id),
  seq        bigint NOT NULL,
  author_id  bigint NOT NULL REFERENCES users(id),
  text       text NOT NULL,
  client_id  text,
  created_at timestamptz NOT NULL,
  edited_at  timestamptz,
  deleted    boolean NOT NULL DEFAULT false,
  UNIQUE (room_id, seq)
);
CREATE UNIQUE INDEX messages_client_id ON messages (author_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE reactions (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- reaction order for the "who reacted" list
  message_id bigint NOT NULL REFERENCES messages(id),
  emoji      text NOT NULL,
  user_id    bigint NOT NULL REFERENCES users(id),
  UNIQUE (message_id, emoji, user_id)
);

-- The event log. pos is NOT a sequence: it comes from the single log_head row,
-- incremented inside the appending transaction (see postgres-store.ts, "Positions").
CREATE TABLE events (
  pos     bigint PRIMARY KEY,
  room_id bigint NOT NULL,
  type    text NOT NULL,
  subject bigint,
  data    text NOT NULL
);
CREATE INDEX events_by_room ON events (room_id, pos);

-- The log's head: one row, the newest position. Its row lock serialises appends.
CREATE TABLE log_head (
  id  smallint PRIMARY KEY CHECK (id = 1),
  pos bigint NOT NULL
);
INSERT INTO log_head (id, pos) VALUES (1, 0);
