-- 0006 (PostgreSQL): nothing to do. On SQLite this migration makes search rows reachable by
-- (kind, item_id) through an index; PostgreSQL's `search` table has had that primary key since
-- 0001. Every migration exists on both backends, so this one records the version.
SELECT 1;
