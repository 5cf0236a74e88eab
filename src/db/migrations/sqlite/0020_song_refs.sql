-- 0020: each song row carries the ids of its related rows, so a page of songs names its
-- artists, album artists and genres without reading song_artists, album_artists and
-- song_genres (three index lookups per song, about half of a rendered page at 1M songs).
-- artist_refs and album_artist_refs hold "position artist_id" entries, genre_refs genre ids,
-- entries separated by ',' in no particular order (the reader sorts them as the relation
-- query did; ids are hex, library_id()). A target that has no row any more is dropped by the
-- reader, as the join dropped it; names are never copied (library_names.c keeps them).
--
-- The view song_refs_now computes the lists from the relations. Triggers keep the copies
-- equal to it, whoever writes: every insert, delete or update of song_artists, song_genres
-- or album_artists sets the list of the songs it touches (the songs of the album for
-- album_artists), a new song or one moved to another album takes its lists, and a write of
-- a list itself is undone. Each writes only when a list differs. SQLite's triggers have one
-- event each, hence several alike. The lists are strings compared as they are, so the order
-- group_concat() happens to give only ever causes a needless write.
ALTER TABLE songs ADD COLUMN artist_refs TEXT NOT NULL DEFAULT '';
ALTER TABLE songs ADD COLUMN album_artist_refs TEXT NOT NULL DEFAULT '';
ALTER TABLE songs ADD COLUMN genre_refs TEXT NOT NULL DEFAULT '';

CREATE VIEW song_refs_now (id, artist_refs, album_artist_refs, genre_refs) AS
SELECT s.id,
       COALESCE((SELECT group_concat(x.position || ' ' || x.artist_id, ',')
                 FROM song_artists x WHERE x.song_id = s.id), ''),
       COALESCE((SELECT group_concat(x.position || ' ' || x.artist_id, ',')
                 FROM album_artists x WHERE x.album_id = s.album_id), ''),
       COALESCE((SELECT group_concat(x.genre_id, ',') FROM song_genres x
                 WHERE x.song_id = s.id), '')
FROM songs s;

UPDATE songs SET (artist_refs, album_artist_refs, genre_refs) =
    (SELECT v.artist_refs, v.album_artist_refs, v.genre_refs FROM song_refs_now v
     WHERE v.id = songs.id);

-- song_artists -> songs.artist_refs
CREATE TRIGGER song_artists_refs_insert AFTER INSERT ON song_artists
BEGIN
    UPDATE songs SET artist_refs = v.artist_refs FROM song_refs_now v
    WHERE songs.id = NEW.song_id AND v.id = songs.id AND songs.artist_refs <> v.artist_refs;
END;
CREATE TRIGGER song_artists_refs_delete AFTER DELETE ON song_artists
BEGIN
    UPDATE songs SET artist_refs = v.artist_refs FROM song_refs_now v
    WHERE songs.id = OLD.song_id AND v.id = songs.id AND songs.artist_refs <> v.artist_refs;
END;
CREATE TRIGGER song_artists_refs_update AFTER UPDATE ON song_artists
BEGIN
    UPDATE songs SET artist_refs = v.artist_refs FROM song_refs_now v
    WHERE songs.id IN (OLD.song_id, NEW.song_id) AND v.id = songs.id
      AND songs.artist_refs <> v.artist_refs;
END;

-- song_genres -> songs.genre_refs
CREATE TRIGGER song_genres_refs_insert AFTER INSERT ON song_genres
BEGIN
    UPDATE songs SET genre_refs = v.genre_refs FROM song_refs_now v
    WHERE songs.id = NEW.song_id AND v.id = songs.id AND songs.genre_refs <> v.genre_refs;
END;
CREATE TRIGGER song_genres_refs_delete AFTER DELETE ON song_genres
BEGIN
    UPDATE songs SET genre_refs = v.genre_refs FROM song_refs_now v
    WHERE songs.id = OLD.song_id AND v.id = songs.id AND songs.genre_refs <> v.genre_refs;
END;
CREATE TRIGGER song_genres_refs_update AFTER UPDATE OF song_id, genre_id ON song_genres
BEGIN
    UPDATE songs SET genre_refs = v.genre_refs FROM song_refs_now v
    WHERE songs.id IN (OLD.song_id, NEW.song_id) AND v.id = songs.id
      AND songs.genre_refs <> v.genre_refs;
END;

-- album_artists -> songs.album_artist_refs of every song of the album
CREATE TRIGGER album_artists_refs_insert AFTER INSERT ON album_artists
BEGIN
    UPDATE songs SET album_artist_refs = v.album_artist_refs FROM song_refs_now v
    WHERE songs.album_id = NEW.album_id AND v.id = songs.id
      AND songs.album_artist_refs <> v.album_artist_refs;
END;
CREATE TRIGGER album_artists_refs_delete AFTER DELETE ON album_artists
BEGIN
    UPDATE songs SET album_artist_refs = v.album_artist_refs FROM song_refs_now v
    WHERE songs.album_id = OLD.album_id AND v.id = songs.id
      AND songs.album_artist_refs <> v.album_artist_refs;
END;
CREATE TRIGGER album_artists_refs_update AFTER UPDATE ON album_artists
BEGIN
    UPDATE songs SET album_artist_refs = v.album_artist_refs FROM song_refs_now v
    WHERE songs.album_id IN (OLD.album_id, NEW.album_id) AND v.id = songs.id
      AND songs.album_artist_refs <> v.album_artist_refs;
END;

-- songs: a new row, a move to another album (or to another id), or a write of a list itself
CREATE TRIGGER songs_refs_insert AFTER INSERT ON songs
BEGIN
    UPDATE songs SET (artist_refs, album_artist_refs, genre_refs) =
        (v.artist_refs, v.album_artist_refs, v.genre_refs) FROM song_refs_now v
    WHERE songs.id = NEW.id AND v.id = songs.id AND (songs.artist_refs, songs.album_artist_refs,
        songs.genre_refs) IS NOT (v.artist_refs, v.album_artist_refs, v.genre_refs);
END;
CREATE TRIGGER songs_refs_update AFTER UPDATE OF id, album_id, artist_refs, album_artist_refs,
    genre_refs ON songs
BEGIN
    UPDATE songs SET (artist_refs, album_artist_refs, genre_refs) =
        (v.artist_refs, v.album_artist_refs, v.genre_refs) FROM song_refs_now v
    WHERE songs.id = NEW.id AND v.id = songs.id AND (songs.artist_refs, songs.album_artist_refs,
        songs.genre_refs) IS NOT (v.artist_refs, v.album_artist_refs, v.genre_refs);
END;
