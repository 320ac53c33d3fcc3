-- Web Push delivery (API v1.1 §4). Mirrors sqlite/007_push_work.sql; times are milliseconds since the epoch.
-- Where a background worker has got to in the event log (one row per worker, e.g. 'push').
CREATE TABLE worker_cursors (
  name text PRIMARY KEY,
  pos  bigint NOT NULL
);
-- Stretches of the log written to a stream while its page was visible: a `message` event at a position in
-- [from_pos, to_pos] reached user_id on a visible page, so it is never pushed. Written by the node holding the stream.
CREATE TABLE visible_spans (
  stream_id  text NOT NULL,
  from_pos   bigint NOT NULL,
  user_id    bigint NOT NULL,
  to_pos     bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (stream_id, from_pos)
);
CREATE INDEX visible_spans_user ON visible_spans (user_id, from_pos);
-- Pushes to send: the durable queue. A row is claimed by one node at a time (claimed_until) and deleted once
-- the push service accepted it; a node that dies mid-send leaves a claim that expires and another node sends it.
CREATE TABLE push_outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription_id text NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
  user_id         bigint NOT NULL,
  room_id         bigint NOT NULL,
  seq             bigint NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('message', 'close')),
  payload         text NOT NULL,
  count           bigint NOT NULL DEFAULT 1,
  attempts        bigint NOT NULL DEFAULT 0,
  created_at      bigint NOT NULL,
  next_at         bigint NOT NULL,
  claimed_until   bigint NOT NULL DEFAULT 0
);
CREATE INDEX push_outbox_due ON push_outbox (next_at);
CREATE INDEX push_outbox_room ON push_outbox (subscription_id, room_id);
-- The newest message pushed to a subscription per room: a `close` goes out when it is read or deleted.
CREATE TABLE push_pushed (
  subscription_id text NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
  room_id         bigint NOT NULL,
  user_id         bigint NOT NULL,
  seq             bigint NOT NULL,
  PRIMARY KEY (subscription_id, room_id)
);
CREATE INDEX push_pushed_user ON push_pushed (user_id, room_id);
CREATE INDEX push_pushed_message ON push_pushed (room_id, seq);
