-- Search, mentions, replies and notification levels (API v1.1 §1-2).
-- search_text: the folded text (core/fold.ts), null once deleted; grams: its distinct 1-/2-/3-grams, GIN-indexed;
-- pos: the log position of the message's creation, the commit order that search results follow.
ALTER TABLE messages ADD COLUMN reply_to bigint REFERENCES messages(id);
ALTER TABLE messages ADD COLUMN search_text text;
ALTER TABLE messages ADD COLUMN grams text[];
ALTER TABLE messages ADD COLUMN pos bigint;
ALTER TABLE messages ADD COLUMN mentions jsonb;
UPDATE messages m SET pos = e.pos FROM events e WHERE e.type = 'message' AND (e.data::jsonb -> 'message' ->> 'id')::bigint = m.id;
CREATE INDEX messages_grams ON messages USING gin (grams);
CREATE INDEX messages_pos ON messages (pos);

CREATE TABLE mentions (
  user_id    bigint NOT NULL,
  message_id bigint NOT NULL,
  room_id    bigint NOT NULL,
  seq        bigint NOT NULL,
  reason     text NOT NULL CHECK (reason IN ('user', 'reply', 'room', 'here')),
  PRIMARY KEY (user_id, message_id)
);
CREATE INDEX mentions_by_room ON mentions (room_id, user_id, seq);
CREATE INDEX mentions_by_message ON mentions (message_id);

ALTER TABLE members ADD COLUMN notifications text CHECK (notifications IN ('all', 'mentions', 'none'));
