-- 0011: the names of the artists of a page of songs, albums or search results
-- (library_song_refs) are read from an index alone (index-only scans), as on SQLite.
CREATE INDEX artists_id_name ON artists (id, name);
