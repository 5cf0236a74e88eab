-- 0014 (PostgreSQL): a genre's songs in title order from an index, as on SQLite. song_genres
-- gets copies of its song's sort_title, missing and library_id, and the index
-- song_genres_sort (genre_id, missing, sort_title, song_id, library_id): the present songs
-- of a genre by (sort_title, id), with their library for the scope of a restricted user, so
-- any page of getSongsByGenre, first or at any offset, is a range of this index. Before, the
-- first page cost 95 ms at 1M songs and one at offset 50,000 290 ms.
--
-- Triggers keep the copies equal to the song's, whoever writes: a row inserted into
-- song_genres, or moved to another song, takes them from its song, and an update of a song's
-- sort_title, missing or library_id passes to its rows.
--
-- The UPDATE writes a new version of every row (81 -> 194 MB at 1M songs), and until a
-- VACUUM sets the table's visibility map again the index-only scans of song_genres_sort read
-- the table too: swaz runs VACUUM (ANALYZE) on it after the migrations (db_migrate_rewritten()).
-- vacuum: song_genres
ALTER TABLE song_genres
    ADD COLUMN sort_title TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN missing INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN library_id BIGINT NOT NULL DEFAULT 0;
UPDATE song_genres g SET sort_title = s.sort_title, missing = s.missing, library_id = s.library_id
    FROM songs s WHERE s.id = g.song_id;
CREATE INDEX song_genres_sort ON song_genres (genre_id, missing, sort_title, song_id, library_id);
-- The rewritten table needs statistics before its first plans (autovacuum comes later).
ANALYZE song_genres;

CREATE FUNCTION swaz_song_genres_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT s.sort_title, s.missing, s.library_id INTO NEW.sort_title, NEW.missing, NEW.library_id
        FROM songs s WHERE s.id = NEW.song_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER song_genres_keys BEFORE INSERT OR UPDATE OF song_id ON song_genres
    FOR EACH ROW EXECUTE FUNCTION swaz_song_genres_keys();

CREATE FUNCTION swaz_songs_genre_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE song_genres SET sort_title = NEW.sort_title, missing = NEW.missing,
        library_id = NEW.library_id
        WHERE song_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER songs_genre_keys AFTER UPDATE OF sort_title, missing, library_id ON songs
    FOR EACH ROW
    WHEN (NEW.sort_title IS DISTINCT FROM OLD.sort_title OR NEW.missing IS DISTINCT FROM OLD.missing
          OR NEW.library_id IS DISTINCT FROM OLD.library_id)
    EXECUTE FUNCTION swaz_songs_genre_keys();
