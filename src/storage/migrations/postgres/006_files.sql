-- File bytes (storage/postgres/files.ts): one row per file, its bytes in chunks, written in one transaction.
CREATE TABLE files (
  key        text PRIMARY KEY,
  size       bigint NOT NULL,
  chunk      integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE file_chunks (
  key  text NOT NULL,
  n    integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (key, n)
);
-- Chunks are already compressed or binary often enough; do not spend CPU compressing them.
ALTER TABLE file_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Uploads (API v1.1 §3): metadata; bytes in `files` under `id` (thumbnail: `id`-t). Mirrors sqlite/004_uploads.sql.
CREATE TABLE uploads (
  id           text PRIMARY KEY,
  owner_id     bigint NOT NULL REFERENCES users(id),
  name         text NOT NULL,
  size         bigint NOT NULL,
  content_type text NOT NULL,
  width        integer,
  height       integer,
  thumbnail    boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL,
  message_id   bigint REFERENCES messages(id),
  position     integer,
  avatar       boolean NOT NULL DEFAULT false
);
CREATE INDEX uploads_by_message ON uploads (message_id, position) WHERE message_id IS NOT NULL;
CREATE INDEX uploads_unattached ON uploads (created_at) WHERE message_id IS NULL AND NOT avatar;
-- File keys whose bytes are to be deleted (expired uploads, attachments of deleted messages).
CREATE TABLE dead_files (key text PRIMARY KEY);
