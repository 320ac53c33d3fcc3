-- Uploads (API v1.1 §3): metadata here, bytes in the file store (storage/files.ts) under `id` (thumbnail: `id`-t).
-- Attached: message_id and position set at posting, once. Unattached ones expire (NATTER_UPLOAD_TTL_MS).
CREATE TABLE uploads (
  id           TEXT PRIMARY KEY,
  owner_id     INTEGER NOT NULL REFERENCES users(id),
  name         TEXT NOT NULL,
  size         INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  width        INTEGER,
  height       INTEGER,
  thumbnail    INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT NOT NULL,
  message_id   INTEGER REFERENCES messages(id),
  position     INTEGER,
  avatar       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX uploads_by_message ON uploads (message_id, position) WHERE message_id IS NOT NULL;
CREATE INDEX uploads_unattached ON uploads (created_at) WHERE message_id IS NULL AND avatar = 0;
-- File keys whose bytes are to be deleted from the file store (expired uploads, attachments of deleted messages).
CREATE TABLE dead_files (key TEXT PRIMARY KEY);
