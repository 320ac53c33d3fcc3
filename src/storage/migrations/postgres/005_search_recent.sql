-- A search first scans the newest positions of message_order (storage/postgres/lookups.ts), so the narrow
-- order table carries what that scan needs: the room and the folded text (null once deleted). The wide
-- messages rows (text, grams) are then read only for matches.
ALTER TABLE message_order ADD COLUMN room_id bigint;
ALTER TABLE message_order ADD COLUMN search_text text;
UPDATE message_order o SET room_id = m.room_id, search_text = m.search_text FROM messages m WHERE m.id = o.message_id;
