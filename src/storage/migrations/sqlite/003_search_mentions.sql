-- Search, mentions, replies and notification levels (API v1.1 §1-2).
-- search_text: the folded text (core/fold.ts), null once deleted; message_grams indexes its 1-/2-/3-grams
-- (rowid = message id, which under SQLite's single writer is commit order).
ALTER TABLE messages ADD COLUMN reply_to INTEGER REFERENCES messages(id);
ALTER TABLE messages ADD COLUMN search_text TEXT;
ALTER TABLE messages ADD COLUMN mentions TEXT;            -- JSON of message.mentions; null = none
CREATE VIRTUAL TABLE message_grams USING fts5(grams, content='', contentless_delete=1, detail='none');

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
