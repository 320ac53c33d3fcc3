-- Bots and webhooks (API v1.1 §6). Mirrors sqlite/011_hooks.sql.
ALTER TABLE users ADD COLUMN owner_id bigint REFERENCES users(id);
CREATE INDEX users_owner ON users (owner_id) WHERE owner_id IS NOT NULL;
ALTER TABLE messages ADD COLUMN alias text;
CREATE TABLE hooks (
  id           bigserial PRIMARY KEY,
  room_id      bigint NOT NULL REFERENCES rooms(id),
  kind         text NOT NULL CHECK (kind IN ('incoming', 'outgoing')),
  created_by   bigint NOT NULL REFERENCES users(id),
  created_at   timestamptz NOT NULL,
  bot_id       bigint REFERENCES users(id),
  secret_hash  bytea UNIQUE,
  url          text,
  secret       text,
  events       text[],
  include_bots boolean NOT NULL DEFAULT false,
  active       boolean NOT NULL DEFAULT true,
  pos          bigint NOT NULL,
  acked_pos    bigint,
  attempts     int NOT NULL DEFAULT 0,
  next_at      bigint NOT NULL DEFAULT 0,
  last_at      timestamptz,
  last_pos     bigint,
  last_status  int,
  last_error   text,
  lease_owner  text,
  lease_until  bigint NOT NULL DEFAULT 0
);
CREATE INDEX hooks_room ON hooks (room_id, id);
CREATE INDEX hooks_due ON hooks (next_at) WHERE kind = 'outgoing' AND active;
