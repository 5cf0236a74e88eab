-- 0013: the present songs by (sort_title, id) with their library, as a partial index. Every
-- song list skips missing songs and may be limited to some libraries; with songs_sort alone,
-- each row skipped by offset= or scanned by a filter also cost a descent into the table
-- (2 s for offset=999999 at 1M songs). Read from this index alone, the position of any
-- offset is an index scan (about 30 ms at 1M songs).
CREATE INDEX songs_sort_present ON songs (sort_title, id, library_id) WHERE missing = 0;
