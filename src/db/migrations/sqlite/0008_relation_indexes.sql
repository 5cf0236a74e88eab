-- 0008: the related rows of a page of songs or albums (library_song_refs: artists by
-- position, genres by name) come from indexes alone. Without them every row cost two B-tree
-- descents per table (the primary-key index, then the row for `position` or `name`); at 1M
-- songs those lookups were most of the time of a songs page.
CREATE INDEX song_artists_song ON song_artists (song_id, position, artist_id);
CREATE INDEX album_artists_album ON album_artists (album_id, position, artist_id);
CREATE INDEX artists_id_name ON artists (id, name);
CREATE INDEX genres_id_name ON genres (id, name, sort_name);
