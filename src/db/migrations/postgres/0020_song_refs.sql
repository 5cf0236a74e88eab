-- 0020 (PostgreSQL): each song row carries the ids of its related rows, as on SQLite, so a
-- page of songs names its artists, album artists and genres without reading song_artists,
-- album_artists and song_genres. artist_refs and album_artist_refs hold "position
-- artist_id" entries, genre_refs genre ids, separated by ','; the reader sorts them as the
-- relation query did and drops targets that have no row any more.
--
-- Triggers keep the copies equal to the relation rows, whoever writes: a BEFORE trigger on
-- songs sets the three lists of a new row, of one moved to another album or id, and of any
-- write of a list itself; every change of song_artists, song_genres or album_artists
-- rewrites the lists of the songs it touches (the songs of the album for album_artists)
-- where they differ. The table is rewritten once here (VACUUM it afterwards, as after 0014).
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

CREATE FUNCTION swaz_songs_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.artist_refs := swaz_song_artist_refs(NEW.id);
    NEW.album_artist_refs := COALESCE(swaz_album_artist_refs(NEW.album_id), '');
    NEW.genre_refs := swaz_song_genre_refs(NEW.id);
    RETURN NEW;
END
$$;

CREATE TRIGGER songs_refs BEFORE INSERT OR UPDATE OF id, album_id, artist_refs, album_artist_refs,
    genre_refs ON songs
    FOR EACH ROW EXECUTE FUNCTION swaz_songs_refs();

CREATE FUNCTION swaz_song_artists_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE songs SET artist_refs = swaz_song_artist_refs(id)
            WHERE id = OLD.song_id AND artist_refs <> swaz_song_artist_refs(id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE songs SET artist_refs = swaz_song_artist_refs(id)
            WHERE id = NEW.song_id AND artist_refs <> swaz_song_artist_refs(id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER song_artists_refs AFTER INSERT OR UPDATE OR DELETE ON song_artists
    FOR EACH ROW EXECUTE FUNCTION swaz_song_artists_refs();

CREATE FUNCTION swaz_song_genres_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE songs SET genre_refs = swaz_song_genre_refs(id)
            WHERE id = OLD.song_id AND genre_refs <> swaz_song_genre_refs(id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE songs SET genre_refs = swaz_song_genre_refs(id)
            WHERE id = NEW.song_id AND genre_refs <> swaz_song_genre_refs(id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER song_genres_refs AFTER INSERT OR DELETE OR UPDATE OF song_id, genre_id
    ON song_genres FOR EACH ROW EXECUTE FUNCTION swaz_song_genres_refs();

CREATE FUNCTION swaz_album_artists_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE songs SET album_artist_refs = swaz_album_artist_refs(album_id)
            WHERE album_id = OLD.album_id
              AND album_artist_refs <> swaz_album_artist_refs(album_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE songs SET album_artist_refs = swaz_album_artist_refs(album_id)
            WHERE album_id = NEW.album_id
              AND album_artist_refs <> swaz_album_artist_refs(album_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER album_artists_refs AFTER INSERT OR UPDATE OR DELETE ON album_artists
    FOR EACH ROW EXECUTE FUNCTION swaz_album_artists_refs();
