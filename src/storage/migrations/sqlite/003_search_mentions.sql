-- Search, mentions, replies and notification levels (API v1.1 §1-2).
-- The search index is not here: it lives in its own file beside this one, written by a worker thread
-- (sqlite/search-index.ts), and is rebuilt from `messages` when missing.
ALTER TABLE messages ADD COLUMN reply_to INTEGER REFERENCES messages(id);
ALTER TABLE messages ADD COLUMN mentions TEXT;            -- JSON of message.mentions; null = none
-- Messages edited or deleted, in order, for the search index to re-read (rows it has read are pruned).
CREATE TABLE search_dirty (seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id INTEGER NOT NULL); -- AUTOINCREMENT: seq never goes back after pruning

-- Who a message mentions, one row per user (the first reason that applies), for counts and the inbox.
CREATE TABLE mentions (
  user_id    INTEGER NOT NULL,
  message_id INTEGER NOT NULL,
  room_id    INTEGER NOT NULL,
  seq        INTEGER NOT NULL,
  reason     TEXT NOT NULL CHECK (reason IN ('user', 'reply', 'room', 'here')),
  PRIMARY KEY (user_id, message_id)
) WITHOUT ROWID;
CREATE INDEX mentions_by_room ON mentions (room_id, user_id, seq);
CREATE INDEX mentions_by_message ON mentions (message_id);

-- The member's notification level; null = the default for the room's kind.
ALTER TABLE members ADD COLUMN notifications TEXT CHECK (notifications IN ('all', 'mentions', 'none'));
