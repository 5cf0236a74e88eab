-- 0001 (PostgreSQL): the library model (libraries, folders, artists, albums, songs, genres, covers,
-- search) and users. Ids of folders, artists, albums, songs, genres and covers are opaque
-- stable strings computed by the scanner (library_id()). Times are Unix seconds. Sort keys
-- are lowercase, without a leading article, cut to 256 bytes (library_sort_key()).
CREATE TABLE libraries (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    path        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    scanned_at  BIGINT
);

-- Folders as they are on disk; `hash` covers the names, sizes and mtimes of the entries
-- the scanner looks at, so an unchanged folder is not re-read.
CREATE TABLE folders (
    id          TEXT COLLATE "C" PRIMARY KEY,
    library_id  BIGINT NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
    path        TEXT NOT NULL,            -- relative to the library; '' for its root
    parent_id   TEXT REFERENCES folders (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    sort_name   TEXT COLLATE "C" NOT NULL,
    hash        TEXT NOT NULL DEFAULT '',
    cover_id    TEXT,
    missing     INTEGER NOT NULL DEFAULT 0,
    seen_at     BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL,
    UNIQUE (library_id, path)
);
CREATE INDEX folders_parent ON folders (parent_id, sort_name, id);

-- Pictures: a file in a folder (kind 'file') or a picture embedded in an audio file
-- (kind 'embedded'). `path` is relative to the library.
CREATE TABLE covers (
    id          TEXT COLLATE "C" PRIMARY KEY,
    library_id  BIGINT NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    path        TEXT NOT NULL,
    size        BIGINT NOT NULL DEFAULT 0,
    mtime       BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE artists (
    id           TEXT COLLATE "C" PRIMARY KEY,
    name         TEXT NOT NULL,
    sort_name    TEXT COLLATE "C" NOT NULL,
    mbid         TEXT,
    image_id     TEXT,                    -- a covers row (artist.* file)
    album_count  INTEGER NOT NULL DEFAULT 0,
    song_count   INTEGER NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX artists_sort ON artists (sort_name, id);

CREATE TABLE albums (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    name                TEXT NOT NULL,
    sort_name           TEXT COLLATE "C" NOT NULL,
    artist_id           TEXT REFERENCES artists (id) ON DELETE SET NULL, -- first album artist
    album_artist        TEXT NOT NULL DEFAULT '',                        -- display name
    artist_sort         TEXT COLLATE "C" NOT NULL DEFAULT '',                        -- its sort key
    year                INTEGER,
    original_year       INTEGER,
    release_date        TEXT NOT NULL DEFAULT '',
    compilation         INTEGER NOT NULL DEFAULT 0,
    genre               TEXT NOT NULL DEFAULT '',                        -- first genre
    mbid                TEXT,                                            -- MusicBrainz album id
    mbid_release_group  TEXT,
    cover_id            TEXT,
    song_count          INTEGER NOT NULL DEFAULT 0,
    disc_count          INTEGER NOT NULL DEFAULT 0,
    duration_ms         BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX albums_sort ON albums (sort_name, id);
CREATE INDEX albums_artist_sort ON albums (artist_sort, sort_name, id);
CREATE INDEX albums_year ON albums (year, sort_name, id);
CREATE INDEX albums_created ON albums (created_at, id);
CREATE INDEX albums_artist ON albums (artist_id);

CREATE TABLE songs (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    library_id          BIGINT NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
    folder_id           TEXT REFERENCES folders (id) ON DELETE SET NULL,
    path                TEXT NOT NULL,
    size                BIGINT NOT NULL,
    mtime               BIGINT NOT NULL,
    format              TEXT NOT NULL,
    codec               TEXT NOT NULL DEFAULT '',
    duration_ms         BIGINT NOT NULL DEFAULT 0,
    bitrate             INTEGER NOT NULL DEFAULT 0,
    sample_rate         INTEGER NOT NULL DEFAULT 0,
    bit_depth           INTEGER NOT NULL DEFAULT 0,
    channels            INTEGER NOT NULL DEFAULT 0,
    title               TEXT NOT NULL,
    sort_title          TEXT COLLATE "C" NOT NULL,
    artist              TEXT NOT NULL DEFAULT '',   -- display (as tagged)
    album               TEXT NOT NULL DEFAULT '',
    album_artist        TEXT NOT NULL DEFAULT '',
    sort_artist         TEXT NOT NULL DEFAULT '',   -- sort-name tags as found
    sort_album          TEXT NOT NULL DEFAULT '',
    sort_album_artist   TEXT NOT NULL DEFAULT '',
    genre               TEXT NOT NULL DEFAULT '',   -- first genre
    track_no            INTEGER,
    track_total         INTEGER,
    disc_no             INTEGER,
    disc_total          INTEGER,
    disc_subtitle       TEXT NOT NULL DEFAULT '',
    year                INTEGER,
    original_year       INTEGER,
    release_date        TEXT NOT NULL DEFAULT '',
    compilation         INTEGER NOT NULL DEFAULT 0,
    mbid                TEXT,                       -- MusicBrainz release track id
    mbid_recording      TEXT,
    mbid_album          TEXT,
    mbid_artist         TEXT,
    mbid_album_artist   TEXT,
    mbid_release_group  TEXT,
    rg_track_gain       DOUBLE PRECISION,
    rg_track_peak       DOUBLE PRECISION,
    rg_album_gain       DOUBLE PRECISION,
    rg_album_peak       DOUBLE PRECISION,
    comment             TEXT NOT NULL DEFAULT '',
    lyrics              TEXT NOT NULL DEFAULT '',   -- from a sibling .lrc, else embedded
    lyrics_synced       INTEGER NOT NULL DEFAULT 0,
    bpm                 INTEGER,
    label               TEXT NOT NULL DEFAULT '',
    identity            TEXT NOT NULL DEFAULT '',   -- tag identity + audio facts, for moves
    artist_id           TEXT REFERENCES artists (id) ON DELETE SET NULL, -- first artist
    album_id            TEXT REFERENCES albums (id) ON DELETE SET NULL,
    cover_id            TEXT,
    missing             INTEGER NOT NULL DEFAULT 0,
    missing_since       BIGINT,
    seen_at             BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    UNIQUE (library_id, path)
);
CREATE INDEX songs_sort ON songs (sort_title, id);
CREATE INDEX songs_album ON songs (album_id, disc_no, track_no);
CREATE INDEX songs_artist ON songs (artist_id);
CREATE INDEX songs_folder ON songs (folder_id, path);
CREATE INDEX songs_identity ON songs (identity);
CREATE INDEX songs_mbid ON songs (mbid);
CREATE INDEX songs_created ON songs (created_at, id);
-- Missing songs are few: the scanner asks whether any exist, and purges by age.
CREATE INDEX songs_missing ON songs (missing_since) WHERE missing = 1;

-- Every artist of a song / album, in tag order (role: 'artist' for song_artists).
CREATE TABLE song_artists (
    song_id    TEXT NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
    artist_id  TEXT NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (song_id, artist_id)
);
CREATE INDEX song_artists_artist ON song_artists (artist_id, song_id);

CREATE TABLE album_artists (
    album_id   TEXT NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    artist_id  TEXT NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (album_id, artist_id)
);
CREATE INDEX album_artists_artist ON album_artists (artist_id, album_id);

CREATE TABLE genres (
    id           TEXT COLLATE "C" PRIMARY KEY,
    name         TEXT NOT NULL,
    sort_name    TEXT COLLATE "C" NOT NULL,
    song_count   INTEGER NOT NULL DEFAULT 0,
    album_count  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX genres_sort ON genres (sort_name, id);

CREATE TABLE song_genres (
    song_id   TEXT NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
    genre_id  TEXT NOT NULL REFERENCES genres (id) ON DELETE CASCADE,
    PRIMARY KEY (song_id, genre_id)
);
CREATE INDEX song_genres_genre ON song_genres (genre_id, song_id);

CREATE TABLE album_genres (
    album_id  TEXT NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    genre_id  TEXT NOT NULL REFERENCES genres (id) ON DELETE CASCADE,
    PRIMARY KEY (album_id, genre_id)
);
CREATE INDEX album_genres_genre ON album_genres (genre_id, album_id);

-- Files the scanner could not read, with why; cleared when the file reads again or goes.
CREATE TABLE scan_errors (
    library_id  BIGINT NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    message     TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (library_id, path)
);

-- Full-text search over artists, albums and songs (kind 'artist' | 'album' | 'song').
-- `name` is the object's own name; `extra` the names around it (artist and album of a song).
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- unaccent() is only STABLE; a fixed-dictionary wrapper may be IMMUTABLE, so it can be
-- indexed.
CREATE FUNCTION swaz_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
CREATE TABLE search (
    kind     TEXT NOT NULL,
    item_id  TEXT COLLATE "C" NOT NULL,
    name     TEXT NOT NULL,
    extra    TEXT NOT NULL DEFAULT '',
    tsv      tsvector GENERATED ALWAYS AS
             (to_tsvector('simple', swaz_unaccent(lower(name || ' ' || extra)))) STORED,
    PRIMARY KEY (kind, item_id)
);
CREATE INDEX search_tsv ON search USING gin (tsv);
CREATE INDEX search_trgm ON search USING gin (swaz_unaccent(lower(name)) gin_trgm_ops);

CREATE TABLE users (
    id             TEXT COLLATE "C" PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    is_admin       INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
