-- 0016 (PostgreSQL): the ids of the per-user tables compare bytewise (COLLATE "C"), like the
-- ids they point to (users, songs, playlists, albums, artists), as 0012 did for the library's
-- relation tables.
--
-- Left in the database's collation, a join from a "C" id to one of them (s.id = pc.song_id,
-- u.id = p.user_id) compares with "C", which their indexes, built for the other collation,
-- cannot answer: at a million songs, with 20,000 plays, 2,000 stars and a 5,000-song
-- playlist for one user, getStarred2 took 0.92 s, getPlaylist 0.59 s and the user's recently
-- played albums 0.22 s (SQLite: 0.11, 0.14 and 0.06 s). Ids are ASCII, so no order changes;
-- the type stays TEXT, so the tables are not rewritten (their indexes are rebuilt and their
-- foreign keys checked again).
ALTER TABLE plays
    ALTER COLUMN user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN song_id TYPE TEXT COLLATE "C";
ALTER TABLE play_counts
    ALTER COLUMN user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN song_id TYPE TEXT COLLATE "C";
ALTER TABLE stars
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
ALTER TABLE ratings
    ALTER COLUMN user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN item_id TYPE TEXT COLLATE "C";
ALTER TABLE bookmarks
    ALTER COLUMN user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN song_id TYPE TEXT COLLATE "C";
ALTER TABLE playlists
    ALTER COLUMN owner_id TYPE TEXT COLLATE "C";
ALTER TABLE playlist_entries
    ALTER COLUMN playlist_id TYPE TEXT COLLATE "C",
    ALTER COLUMN song_id TYPE TEXT COLLATE "C";
ALTER TABLE playlist_editors
    ALTER COLUMN playlist_id TYPE TEXT COLLATE "C",
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
ALTER TABLE play_queues
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
ALTER TABLE play_queue_entries
    ALTER COLUMN user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN song_id TYPE TEXT COLLATE "C";
ALTER TABLE now_playing
    ALTER COLUMN user_id TYPE TEXT COLLATE "C",
    ALTER COLUMN song_id TYPE TEXT COLLATE "C";
ALTER TABLE shares
    ALTER COLUMN owner_id TYPE TEXT COLLATE "C",
    ALTER COLUMN item_id TYPE TEXT COLLATE "C";
ALTER TABLE user_libraries
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
ALTER TABLE api_keys
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
ALTER TABLE refresh_tokens
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
ALTER TABLE avatars
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
ALTER TABLE uploads
    ALTER COLUMN user_id TYPE TEXT COLLATE "C";
-- A changed column loses its statistics (see 0012).
ANALYZE plays, play_counts, stars, ratings, bookmarks, playlists, playlist_entries,
    playlist_editors, play_queues, play_queue_entries, now_playing, shares, user_libraries,
    api_keys, refresh_tokens, avatars, uploads;
