-- 0001: libraries (music folders), artists, albums, songs, users.
-- Ids of artists, albums and songs are opaque stable strings computed by the scanner.
-- Times are Unix seconds. Sort keys are lowercase names without a leading article.
-- Text sort keys use the "C" collation so that ordering is byte order, as on SQLite.
CREATE TABLE libraries (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    path        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    scanned_at  BIGINT
);

CREATE TABLE artists (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    sort_name   TEXT COLLATE "C" NOT NULL,
    mbid        TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX artists_sort ON artists (sort_name, id);

CREATE TABLE albums (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    sort_name     TEXT COLLATE "C" NOT NULL,
    artist_id     TEXT REFERENCES artists (id) ON DELETE SET NULL,
    album_artist  TEXT NOT NULL DEFAULT '',
    year          INTEGER,
    mbid          TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX albums_sort ON albums (sort_name, id);
CREATE INDEX albums_artist ON albums (artist_id);

CREATE TABLE songs (
    id            TEXT COLLATE "C" PRIMARY KEY,
    library_id    BIGINT NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
    path          TEXT NOT NULL,
    size          BIGINT NOT NULL,
    mtime         BIGINT NOT NULL,
    format        TEXT NOT NULL,
    codec         TEXT NOT NULL DEFAULT '',
    duration_ms   BIGINT NOT NULL DEFAULT 0,
    bitrate       INTEGER NOT NULL DEFAULT 0,
    sample_rate   INTEGER NOT NULL DEFAULT 0,
    channels      INTEGER NOT NULL DEFAULT 0,
    title         TEXT NOT NULL,
    sort_title    TEXT COLLATE "C" NOT NULL,
    artist        TEXT NOT NULL DEFAULT '',
    album         TEXT NOT NULL DEFAULT '',
    album_artist  TEXT NOT NULL DEFAULT '',
    genre         TEXT NOT NULL DEFAULT '',
    track_no      INTEGER,
    disc_no       INTEGER,
    year          INTEGER,
    mbid          TEXT,
    artist_id     TEXT REFERENCES artists (id) ON DELETE SET NULL,
    album_id      TEXT REFERENCES albums (id) ON DELETE SET NULL,
    missing       INTEGER NOT NULL DEFAULT 0,
    seen_at       BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (library_id, path)
);
CREATE INDEX songs_sort ON songs (sort_title, id);
CREATE INDEX songs_album ON songs (album_id, disc_no, track_no);
CREATE INDEX songs_artist ON songs (artist_id);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    is_admin       INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
