-- 0012 (SQLite): nothing to do. On PostgreSQL this migration makes the columns holding ids
-- compare bytewise, as their targets do (SQLite compares every TEXT column bytewise, BINARY,
-- unless told otherwise), and adds a search function whose plan is kept. Every migration
-- exists on both backends, so this one records the version.
SELECT 1;
