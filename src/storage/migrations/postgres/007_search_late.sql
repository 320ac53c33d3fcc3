-- Search windows (storage/postgres/lookups.ts) need, for a range of positions, the smallest message id in it:
-- ids follow positions only roughly (a transaction may take its position after one holding a newer id).
-- `floor_id` is the smallest message id at this position or any later one; it never decreases with the
-- position, so a window's messages all have ids from its first position's floor_id on. A new position sets
-- its own floor and lowers that of the (few, recent) earlier positions whose floor was above its id (SQL.setPos).
ALTER TABLE message_order ADD COLUMN floor_id bigint;
UPDATE message_order o SET floor_id = x.floor_id FROM (
  SELECT message_id, min(message_id) OVER (ORDER BY pos DESC ROWS UNBOUNDED PRECEDING) AS floor_id FROM message_order
) x WHERE x.message_id = o.message_id;
ALTER TABLE message_order ALTER COLUMN floor_id SET NOT NULL;
CREATE INDEX message_order_floor ON message_order (floor_id);
