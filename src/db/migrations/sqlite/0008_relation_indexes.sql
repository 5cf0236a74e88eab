-- 0008: the related rows of a page of songs or albums (library_song_refs) read song_artists
-- and album_artists by (key, position) from an index alone. The primary key (key, artist_id)
-- lacks `position`, so every row also cost a descent into the table; at 1M songs those
-- lookups were a good part of the time of a songs page. (Indexes on artists (id, name) would
-- save the same for names, but without ANALYZE statistics SQLite prefers the primary key.)
CREATE INDEX song_artists_song ON song_artists (song_id, position, artist_id);
CREATE INDEX album_artists_album ON album_artists (album_id, position, artist_id);
