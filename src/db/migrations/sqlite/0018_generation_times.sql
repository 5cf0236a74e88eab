-- 0018: when each generation last moved (Unix milliseconds), set by the same UPDATE that adds
-- one to its value, so every process reads one time per change. getIndexes tells it to clients
-- as lastModified (and answers ifModifiedSince from it). Rows that never moved get the time
-- of this migration: nothing older can be told apart.
ALTER TABLE generations ADD COLUMN changed_at INTEGER NOT NULL DEFAULT 0;
UPDATE generations SET changed_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
