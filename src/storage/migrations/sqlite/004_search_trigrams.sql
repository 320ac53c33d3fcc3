-- The search index holds each message's 3-grams (core/fold.ts trigramTokens, padded at the end), and FTS5
-- keeps their 1- and 2-character prefixes, i.e. the 1- and 2-grams, in its prefix index (built in C).
-- Messages are re-indexed at open (sqlite/derived.ts backfillSearch picks up the NULL search_text and through = 0).
DROP TABLE message_grams;
CREATE VIRTUAL TABLE message_grams USING fts5(grams, content='', contentless_delete=1, detail='none', tokenize='ascii', prefix='1 2');
UPDATE messages SET search_text = NULL WHERE deleted = 0;
-- Every message with an id up to `through` is in message_grams (or deleted); newer ones are indexed in batches
-- (sqlite/search-index.ts) and searched by a scan until then.
CREATE TABLE search_state (id INTEGER PRIMARY KEY CHECK (id = 1), through INTEGER NOT NULL);
INSERT INTO search_state (id, through) VALUES (1, 0);
