-- 0020 (PostgreSQL): each song row carries the ids of its related rows, as on SQLite, so a
-- page of songs names its artists, album artists and genres without reading song_artists,
-- album_artists and song_genres. artist_refs and album_artist_refs hold "position
-- artist_id" entries, genre_refs genre ids, separated by ','; the reader sorts them as the
-- relation query did and drops targets that have no row any more.
--
-- Triggers keep the copies equal to the relation rows, whoever writes: a BEFORE trigger on
-- songs sets the three lists of a new row, of one moved to another album or id, and of any
-- write of a list itself (but those of the relation triggers, which write what they just
-- computed); every change of song_artists, song_genres or album_artists rewrites the list
-- of the songs it touches (the songs of the album for album_artists) where it differs.
--
-- The table is rewritten once here (1.06 -> 2.03 GB at 1M songs): swaz runs VACUUM (ANALYZE)
-- on it after the migrations (db_migrate_rewritten()).
-- vacuum: songs
ALTER TABLE songs
    ADD COLUMN artist_refs TEXT NOT NULL DEFAULT '',
    ADD COLUMN album_artist_refs TEXT NOT NULL DEFAULT '',
    ADD COLUMN genre_refs TEXT NOT NULL DEFAULT '';

CREATE FUNCTION swaz_song_artist_refs(song TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT COALESCE(string_agg(x.position || ' ' || x.artist_id, ','
                               ORDER BY x.position, x.artist_id), '')
    FROM song_artists x WHERE x.song_id = song
$$;
CREATE FUNCTION swaz_album_artist_refs(album TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT COALESCE(string_agg(x.position || ' ' || x.artist_id, ','
                               ORDER BY x.position, x.artist_id), '')
    FROM album_artists x WHERE x.album_id = album
$$;
CREATE FUNCTION swaz_song_genre_refs(song TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT COALESCE(string_agg(x.genre_id, ',' ORDER BY x.genre_id), '')
    FROM song_genres x WHERE x.song_id = song
$$;

UPDATE songs s SET
    artist_refs = COALESCE(a.refs, ''),
    genre_refs = COALESCE(g.refs, ''),
    album_artist_refs = COALESCE(b.refs, '')
FROM songs s0
LEFT JOIN (SELECT song_id, string_agg(position || ' ' || artist_id, ','
                                      ORDER BY position, artist_id) AS refs
           FROM song_artists GROUP BY song_id) a ON a.song_id = s0.id
LEFT JOIN (SELECT song_id, string_agg(genre_id, ',' ORDER BY genre_id) AS refs
           FROM song_genres GROUP BY song_id) g ON g.song_id = s0.id
LEFT JOIN (SELECT album_id, string_agg(position || ' ' || artist_id, ','
                                       ORDER BY position, artist_id) AS refs
           FROM album_artists GROUP BY album_id) b ON b.album_id = s0.album_id
WHERE s0.id = s.id;

-- A new row has no song_artists or song_genres rows yet (they reference it); an update by
-- swaz_relation_refs() (nested, id and album unchanged) writes what it just computed.
CREATE FUNCTION swaz_songs_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.artist_refs := '';
        NEW.genre_refs := '';
    ELSIF pg_trigger_depth() > 1 AND NEW.id = OLD.id
          AND NEW.album_id IS NOT DISTINCT FROM OLD.album_id THEN
        RETURN NEW;
    ELSE
        NEW.artist_refs := swaz_song_artist_refs(NEW.id);
        NEW.genre_refs := swaz_song_genre_refs(NEW.id);
    END IF;
    NEW.album_artist_refs := COALESCE(swaz_album_artist_refs(NEW.album_id), '');
    RETURN NEW;
END
$$;

CREATE TRIGGER songs_refs BEFORE INSERT OR UPDATE OF id, album_id, artist_refs, album_artist_refs,
    genre_refs ON songs
    FOR EACH ROW EXECUTE FUNCTION swaz_songs_refs();

-- A change of a relation row passes to the songs it names (by song id, or by album id for
-- album_artists), written only where the list differs.
CREATE FUNCTION swaz_relation_refs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keys TEXT[] := ARRAY[]::TEXT[];
BEGIN
    IF TG_OP <> 'INSERT' THEN
        keys := keys || (to_jsonb(OLD) ->> TG_ARGV[0]);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        keys := keys || (to_jsonb(NEW) ->> TG_ARGV[0]);
    END IF;
    IF TG_TABLE_NAME = 'album_artists' THEN
        UPDATE songs SET album_artist_refs = swaz_album_artist_refs(album_id)
            WHERE album_id = ANY (keys) AND album_artist_refs <> swaz_album_artist_refs(album_id);
    ELSIF TG_TABLE_NAME = 'song_artists' THEN
        UPDATE songs SET artist_refs = swaz_song_artist_refs(id)
            WHERE id = ANY (keys) AND artist_refs <> swaz_song_artist_refs(id);
    ELSE
        UPDATE songs SET genre_refs = swaz_song_genre_refs(id)
            WHERE id = ANY (keys) AND genre_refs <> swaz_song_genre_refs(id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER song_artists_refs AFTER INSERT OR UPDATE OR DELETE ON song_artists
    FOR EACH ROW EXECUTE FUNCTION swaz_relation_refs('song_id');
CREATE TRIGGER song_genres_refs AFTER INSERT OR DELETE OR UPDATE OF song_id, genre_id
    ON song_genres FOR EACH ROW EXECUTE FUNCTION swaz_relation_refs('song_id');
CREATE TRIGGER album_artists_refs AFTER INSERT OR UPDATE OR DELETE ON album_artists
    FOR EACH ROW EXECUTE FUNCTION swaz_relation_refs('album_id');
