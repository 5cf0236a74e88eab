-- 0014: a genre's songs in title order from an index. song_genres gets copies of its song's
-- sort_title, missing and library_id, and the index song_genres_sort (genre_id, missing,
-- sort_title, song_id, library_id): the present songs of a genre by (sort_title, id), with
-- their library for the scope of a restricted user, so any page of getSongsByGenre, first
-- or at any offset, is a range of this index alone. Before, the first page walked every
-- song in title order testing its genre (40 ms at 1M songs), and a deep one sorted the
-- genre's 62,500 songs (250 ms).
--
-- Triggers keep the copies equal to the song's, whoever writes: a row inserted into
-- song_genres, or moved to another song, takes them from its song (the scanner writes them
-- itself, so the check finds nothing to change), and an update of a song's sort_title,
-- missing or library_id passes to its rows (SQLite's triggers have one event each, hence two
-- alike for the insert and the move). The index is not partial, so db_optimize()
-- sees it lacks statistics and analyses after this migration.
ALTER TABLE song_genres ADD COLUMN sort_title TEXT NOT NULL DEFAULT '';
ALTER TABLE song_genres ADD COLUMN missing INTEGER NOT NULL DEFAULT 0;
ALTER TABLE song_genres ADD COLUMN library_id INTEGER NOT NULL DEFAULT 0;
UPDATE song_genres SET (sort_title, missing, library_id) =
    (SELECT s.sort_title, s.missing, s.library_id FROM songs s WHERE s.id = song_genres.song_id);
CREATE INDEX song_genres_sort ON song_genres (genre_id, missing, sort_title, song_id, library_id);

CREATE TRIGGER song_genres_keys_insert AFTER INSERT ON song_genres
WHEN NOT EXISTS (SELECT 1 FROM songs s WHERE s.id = NEW.song_id AND s.sort_title = NEW.sort_title
                 AND s.missing = NEW.missing AND s.library_id = NEW.library_id)
BEGIN
    UPDATE song_genres SET (sort_title, missing, library_id) =
        (SELECT s.sort_title, s.missing, s.library_id FROM songs s WHERE s.id = NEW.song_id)
    WHERE song_id = NEW.song_id AND genre_id = NEW.genre_id;
END;

CREATE TRIGGER song_genres_keys_move AFTER UPDATE OF song_id ON song_genres
WHEN NOT EXISTS (SELECT 1 FROM songs s WHERE s.id = NEW.song_id AND s.sort_title = NEW.sort_title
                 AND s.missing = NEW.missing AND s.library_id = NEW.library_id)
BEGIN
    UPDATE song_genres SET (sort_title, missing, library_id) =
        (SELECT s.sort_title, s.missing, s.library_id FROM songs s WHERE s.id = NEW.song_id)
    WHERE song_id = NEW.song_id AND genre_id = NEW.genre_id;
END;

CREATE TRIGGER songs_genre_keys AFTER UPDATE OF sort_title, missing, library_id ON songs
WHEN NEW.sort_title IS NOT OLD.sort_title OR NEW.missing IS NOT OLD.missing
     OR NEW.library_id IS NOT OLD.library_id
BEGIN
    UPDATE song_genres SET sort_title = NEW.sort_title, missing = NEW.missing,
        library_id = NEW.library_id
    WHERE song_id = NEW.id;
END;
