-- 0019 (PostgreSQL): the counts of artists and genres per library, for users limited to some
-- libraries. artists.album_count/song_count and genres.song_count/album_count cover every
-- library; a restricted user is shown the sum of these rows over their libraries instead
-- (library_browse.c), and sees an artist or genre only when one of its rows is in their
-- libraries. A row exists only while its artist or genre has something in that library:
-- - artist_library_counts: song_count, the present songs of the library the artist performs
--   (song_artists); album_count, the albums the artist is an album artist of (album_artists)
--   that hold a present song of the library;
-- - genre_library_counts: song_count, the present songs of the library with the genre
--   (song_genres); album_count, the albums of the genre (album_genres) that hold a present
--   song of the library. Only where song_count > 0: a genre is in a library when one of
--   its songs is (an album with songs in two libraries may have the genre from the other).
-- An album with songs in two libraries counts in both. The scanner rewrites an artist's or
-- genre's rows where it recomputes its library-wide counts, in the same transaction
-- (library_scan.c). Ids compare bytewise (COLLATE "C"), as since 0012 and 0016.
CREATE TABLE artist_library_counts (
    artist_id    TEXT COLLATE "C" NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    library_id   BIGINT NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
    album_count  INTEGER NOT NULL,
    song_count   INTEGER NOT NULL,
    PRIMARY KEY (artist_id, library_id)
);

CREATE TABLE genre_library_counts (
    genre_id     TEXT COLLATE "C" NOT NULL REFERENCES genres (id) ON DELETE CASCADE,
    library_id   BIGINT NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
    song_count   INTEGER NOT NULL,
    album_count  INTEGER NOT NULL,
    PRIMARY KEY (genre_id, library_id)
);

-- The albums each library holds a present song of, read once for both tables.
CREATE TEMP TABLE album_libraries_0019 ON COMMIT DROP AS
    SELECT DISTINCT album_id, library_id FROM songs WHERE missing = 0 AND album_id IS NOT NULL;
CREATE INDEX ON album_libraries_0019 (album_id, library_id);
ANALYZE album_libraries_0019;

INSERT INTO artist_library_counts (artist_id, library_id, album_count, song_count)
SELECT t.artist_id, t.library_id, SUM(t.albums), SUM(t.songs) FROM (
    SELECT sa.artist_id AS artist_id, s.library_id AS library_id, 0 AS albums, COUNT(*) AS songs
    FROM song_artists sa JOIN songs s ON s.id = sa.song_id
    WHERE s.missing = 0 GROUP BY sa.artist_id, s.library_id
    UNION ALL
    SELECT aa.artist_id, p.library_id, COUNT(*), 0
    FROM album_artists aa JOIN album_libraries_0019 p ON p.album_id = aa.album_id
    GROUP BY aa.artist_id, p.library_id
) t GROUP BY t.artist_id, t.library_id;

INSERT INTO genre_library_counts (genre_id, library_id, song_count, album_count)
SELECT t.genre_id, t.library_id, SUM(t.songs), SUM(t.albums) FROM (
    SELECT sg.genre_id AS genre_id, sg.library_id AS library_id, COUNT(*) AS songs, 0 AS albums
    FROM song_genres sg WHERE sg.missing = 0 GROUP BY sg.genre_id, sg.library_id
    UNION ALL
    SELECT ag.genre_id, p.library_id, 0, COUNT(*)
    FROM album_genres ag JOIN album_libraries_0019 p ON p.album_id = ag.album_id
    GROUP BY ag.genre_id, p.library_id
) t GROUP BY t.genre_id, t.library_id HAVING SUM(t.songs) > 0;

ANALYZE artist_library_counts, genre_library_counts;
