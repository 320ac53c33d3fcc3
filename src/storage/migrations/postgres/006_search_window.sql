-- A search window's id range starts at the smallest message id among its positions (storage/postgres/lookups.ts):
-- read from this index alone (an index-only scan over the window's positions).
CREATE INDEX message_order_pos_id ON message_order (pos, message_id);
