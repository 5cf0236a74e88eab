-- 0012 (PostgreSQL): what uncached pages of lists and searches cost at a million songs.
--
-- 1. The columns that hold the ids of artists, albums, songs, genres and folders compare
-- bytewise (COLLATE "C"), as the ids they point to have since 0001. They were left in the
-- database's collation, which made two things slow:
-- a. every B-tree comparison on them went through the locale's strcoll() (the related rows of
--    a page, library_song_refs(), descend their indexes a few hundred times per page);
-- b. a join from a "C" id to one of them (s.id = sa.song_id) compares with "C", which their
--    indexes, built for the other collation, cannot answer: the planner scanned the table.
-- Ids are ASCII, so no order changes. The type stays TEXT: PostgreSQL rebuilds the indexes of
-- these columns and checks their foreign keys again, without rewriting the tables.
ALTER TABLE song_artists
    ALTER COLUMN song_id TYPE TEXT COLLATE "C",
    ALTER COLUMN artist_id TYPE TEXT COLLATE "C";
ALTER TABLE album_artists
    ALTER COLUMN album_id TYPE TEXT COLLATE "C",
    ALTER COLUMN artist_id TYPE TEXT COLLATE "C";
ALTER TABLE song_genres
    ALTER COLUMN song_id TYPE TEXT COLLATE "C",
    ALTER COLUMN genre_id TYPE TEXT COLLATE "C";
ALTER TABLE album_genres
    ALTER COLUMN album_id TYPE TEXT COLLATE "C",
    ALTER COLUMN genre_id TYPE TEXT COLLATE "C";
ALTER TABLE songs
    ALTER COLUMN artist_id TYPE TEXT COLLATE "C",
    ALTER COLUMN album_id TYPE TEXT COLLATE "C",
    ALTER COLUMN folder_id TYPE TEXT COLLATE "C";
ALTER TABLE albums
    ALTER COLUMN artist_id TYPE TEXT COLLATE "C";
ALTER TABLE folders
    ALTER COLUMN parent_id TYPE TEXT COLLATE "C";
-- Changing a column's type drops its statistics, and autovacuum analyzes a table again only
-- after enough of its rows change: a library that is not rescanned would be planned without
-- them (at 1M songs the related rows of a page of songs took 160 ms instead of 1 ms).
ANALYZE song_artists, album_artists, song_genres, album_genres, songs, albums, folders;

-- 2. swaz_search_prefix(): the name-prefix pass of a search (library_search.c) for a user
-- who sees every library. Prepared as a plain statement, PostgreSQL planned it again on
-- every execution (its estimate of each prefix's range made every custom plan look cheaper
-- than the generic one), and the planning cost more than the scan: 3,000 prefixes took
-- 90-107 us each on the server, 43-50 us through this function, whose query keeps one
-- generic plan per session (the same index range scan, in the same order).
CREATE FUNCTION swaz_search_prefix(p_kind TEXT, p_lo TEXT, p_hi TEXT, p_limit INTEGER)
    RETURNS TABLE (item_id TEXT, name TEXT)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET plan_cache_mode = force_generic_plan
    AS $$
BEGIN
    RETURN QUERY SELECT s.item_id::TEXT, s.name FROM search s
        WHERE s.kind = p_kind AND s.name_key >= p_lo AND s.name_key < p_hi
        ORDER BY s.name_key, s.item_id LIMIT p_limit;
END
$$;
