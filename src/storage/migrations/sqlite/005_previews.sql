-- Link previews (API v1.1 §3): JSON array of the message's previews, in text order; NULL = none yet.
ALTER TABLE messages ADD COLUMN previews TEXT;
