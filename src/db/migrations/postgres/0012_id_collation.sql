-- 0012 (PostgreSQL): the columns that hold the ids of artists, albums, songs, genres and
-- folders compare bytewise (COLLATE "C"), as the ids they point to have since 0001. They were
-- left in the database's collation, which made two things slow at a million songs:
-- 1. every B-tree comparison on them went through the locale's strcoll() (the related rows of
--    a page, library_song_refs(), descend their indexes a few hundred times per page);
-- 2. a join from a "C" id to one of them (s.id = sa.song_id) compares with "C", which their
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
