-- Unread counts without reading message rows (issue 17). Mirrors sqlite/012_unread.sql: unread =
-- (last_seq - read_seq) minus the deleted messages after the read marker; seqs are gapless per room and a
-- member's own messages are never after their read marker. Only deleted messages are in this index.
CREATE INDEX messages_deleted ON messages (room_id, seq) WHERE deleted;
