-- 0013: the present songs by (sort_title, id) with their library, as a partial index, so the
-- position of any offset= in a song list is an index-only scan, as on SQLite.
CREATE INDEX songs_sort_present ON songs (sort_title, id, library_id) WHERE missing = 0;
