-- 0008: the related rows of a page of songs or albums (library_song_refs) read song_artists
-- and album_artists by (key, position) from an index alone (index-only scans), as on SQLite.
CREATE INDEX song_artists_song ON song_artists (song_id, position, artist_id);
CREATE INDEX album_artists_album ON album_artists (album_id, position, artist_id);
