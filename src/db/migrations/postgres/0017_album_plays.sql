-- 0017 (PostgreSQL): per-user album play counts (album_play_counts), so the caller's recently
-- played and most played albums are an index range scan instead of an aggregate of every
-- play_counts row of the user joined to songs and grouped by album.
--
-- A play adds to the album its song belongs to when it is recorded, in the transaction that
-- writes plays and play_counts (library_history.c). The counts are the album's annotations
-- from then on: a rescan that moves a song to another album, or removes it, leaves its past
-- plays with the album it was played on (as Navidrome keeps album play counts); an album that
-- disappears takes its rows with it (ON DELETE CASCADE), as a removed user does.
-- The table is filled from play_counts; its visibility map is set by the VACUUM that swaz
-- runs after the migrations (db_migrate_rewritten()).
-- vacuum: album_play_counts
CREATE TABLE album_play_counts (
    user_id         TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id        TEXT COLLATE "C" NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    count           INTEGER NOT NULL,
    last_played_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, album_id)
);
CREATE INDEX album_play_counts_user_last ON album_play_counts (user_id, last_played_at, album_id);
CREATE INDEX album_play_counts_user_count ON album_play_counts (user_id, count, album_id);
-- For the cascade when the scanner deletes an album.
CREATE INDEX album_play_counts_album ON album_play_counts (album_id);
-- The caller's highest rated albums by one index range too, as stars_user_time does for
-- the starred ones.
CREATE INDEX ratings_user_rating ON ratings (user_id, kind, rating, item_id);
INSERT INTO album_play_counts (user_id, album_id, count, last_played_at)
SELECT pc.user_id, s.album_id, SUM(pc.count), MAX(pc.last_played_at)
FROM play_counts pc JOIN songs s ON s.id = pc.song_id
WHERE s.album_id IS NOT NULL
GROUP BY pc.user_id, s.album_id;
ANALYZE album_play_counts, ratings;
