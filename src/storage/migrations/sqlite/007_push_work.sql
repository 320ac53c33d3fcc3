-- Web Push delivery (API v1.1 §4). Times are milliseconds since the epoch.
-- Where a background worker has got to in the event log (one row per worker, e.g. 'push').
CREATE TABLE worker_cursors (
  name TEXT PRIMARY KEY,
  pos  INTEGER NOT NULL
);
-- Stretches of the log written to a stream while its page was visible: a `message` event at a position in
-- [from_pos, to_pos] reached user_id on a visible page, so it is never pushed. Written by the node holding the stream.
CREATE TABLE visible_spans (
  stream_id  TEXT NOT NULL,
  from_pos   INTEGER NOT NULL,
  user_id    INTEGER NOT NULL,
  to_pos     INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (stream_id, from_pos)
) WITHOUT ROWID;
CREATE INDEX visible_spans_user ON visible_spans (user_id, from_pos);
-- Pushes to send: the durable queue. A row is claimed by one node at a time (claimed_until) and deleted once
-- the push service accepted it; a node that dies mid-send leaves a claim that expires and another node sends it.
CREATE TABLE push_outbox (
  id              INTEGER PRIMARY KEY,
  subscription_id TEXT NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
  user_id         INTEGER NOT NULL,
  room_id         INTEGER NOT NULL,
  seq             INTEGER NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('message', 'close')),
  payload         TEXT NOT NULL,
  count           INTEGER NOT NULL DEFAULT 1,
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  next_at         INTEGER NOT NULL,
  claimed_until   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX push_outbox_due ON push_outbox (next_at);
CREATE INDEX push_outbox_room ON push_outbox (subscription_id, room_id);
-- The newest message pushed to a subscription per room: a `close` goes out when it is read or deleted.
CREATE TABLE push_pushed (
  subscription_id TEXT NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
  room_id         INTEGER NOT NULL,
  user_id         INTEGER NOT NULL,
  seq             INTEGER NOT NULL,
  PRIMARY KEY (subscription_id, room_id)
) WITHOUT ROWID;
CREATE INDEX push_pushed_user ON push_pushed (user_id, room_id);
CREATE INDEX push_pushed_message ON push_pushed (room_id, seq);
