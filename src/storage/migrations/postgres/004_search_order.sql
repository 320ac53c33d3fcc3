-- Search order in its own table: a message's position is known only after log_head is taken (last, to keep
-- the lock short), and setting it on the message row would rewrite that row, whose non-HOT update re-inserts
-- every gram into the GIN index. A small row per message here costs one narrow insert instead.
-- (messages.pos stays for nodes still running the previous version; nothing reads it any more.)
CREATE TABLE message_order (
  message_id bigint PRIMARY KEY,
  pos        bigint NOT NULL UNIQUE
);
INSERT INTO message_order (message_id, pos) SELECT id, pos FROM messages WHERE pos IS NOT NULL;
DROP INDEX messages_pos;
