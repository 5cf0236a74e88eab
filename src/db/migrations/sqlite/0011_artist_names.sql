-- 0011: the names of the artists of a page of songs, albums or search results
-- (library_song_refs: "SELECT r.id, r.name FROM artists r WHERE r.id IN (...)") are read from
-- an index alone. By the primary key each name cost a second descent, into the table. The
-- planner prefers this index once the table has statistics (db_optimize runs ANALYZE after
-- this migration on an analysed database, and after scans that change the library's size).
CREATE INDEX artists_id_name ON artists (id, name);
