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
