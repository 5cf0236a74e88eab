-- 0002: accounts and everything personal. Ids are opaque random strings (hex) unless
-- noted. Times are Unix seconds. Every row with an owner has user_id ON DELETE CASCADE.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN max_bitrate INTEGER NOT NULL DEFAULT 0;     -- kbps, 0: no limit
ALTER TABLE users ADD COLUMN may_upload INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN may_share INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN may_download INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN all_libraries INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN app_password TEXT;   -- legacy Subsonic password, secretbox-encrypted
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_login_at INTEGER;

-- Libraries a user may see when users.all_libraries = 0.
CREATE TABLE user_libraries (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    library_id  INTEGER NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, library_id)
);

-- Refresh tokens, stored hashed; rotated on use (the old row is revoked, the new one keeps
-- the family); revoking a family or a user's rows ends those sessions.
CREATE TABLE refresh_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family        TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked       INTEGER NOT NULL DEFAULT 0,
    client        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);

-- API keys (OpenSubsonic apiKey and X-API-Key), stored hashed, shown once.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE playlists (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    public       INTEGER NOT NULL DEFAULT 0,
    song_count   INTEGER NOT NULL DEFAULT 0,
    duration_ms  INTEGER NOT NULL DEFAULT 0,
    image_path   TEXT,                         -- an uploaded cover, relative to the data dir
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX playlists_owner ON playlists (owner_id, name, id);

-- Entries by position (0-based, dense); the same song may appear several times.
CREATE TABLE playlist_entries (
    playlist_id  TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    song_id      TEXT NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
    PRIMARY KEY (playlist_id, position)
);
CREATE INDEX playlist_entries_song ON playlist_entries (song_id);

-- Users the owner lets edit a (collaborative) playlist.
CREATE TABLE playlist_editors (
    playlist_id  TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (playlist_id, user_id)
);

-- Favourites and ratings of songs, albums and artists (kind: 'song' | 'album' | 'artist').
CREATE TABLE stars (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    starred_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, item_id)
);
CREATE INDEX stars_user_time ON stars (user_id, kind, starred_at, item_id);

CREATE TABLE ratings (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    rating      INTEGER NOT NULL,             -- 1..5
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, item_id)
);

-- Play history: one row per finished or substantially played song.
CREATE TABLE plays (
    id         INTEGER PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    song_id    TEXT NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
    played_at  INTEGER NOT NULL,
    client     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX plays_user_time ON plays (user_id, played_at, id);
CREATE INDEX plays_song ON plays (song_id);

-- Per-user counts kept with the history (for "most played" and play counts).
CREATE TABLE play_counts (
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    song_id         TEXT NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
    count           INTEGER NOT NULL,
    last_played_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, song_id)
);
CREATE INDEX play_counts_user_count ON play_counts (user_id, count, song_id);
CREATE INDEX play_counts_user_last ON play_counts (user_id, last_played_at, song_id);

-- What each user's devices are playing now.
CREATE TABLE now_playing (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client       TEXT NOT NULL,
    song_id      TEXT NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
    position_ms  INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL DEFAULT 'playing',
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, client)
);

-- The saved play queue, one per user, restored on any device.
CREATE TABLE play_queues (
    user_id        TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    current_index  INTEGER NOT NULL DEFAULT 0,
    position_ms    INTEGER NOT NULL DEFAULT 0,
    changed_at     INTEGER NOT NULL,
    changed_by     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE play_queue_entries (
    user_id   TEXT NOT NULL REFERENCES play_queues (user_id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    song_id   TEXT NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, position)
);

CREATE TABLE bookmarks (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    song_id      TEXT NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
    position_ms  INTEGER NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, song_id)
);

-- Public links (kind: 'song' | 'album' | 'playlist'); the id is the unguessable link token.
CREATE TABLE shares (
    id               TEXT PRIMARY KEY,
    owner_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    item_id          TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    expires_at       INTEGER,
    allow_download   INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    visit_count      INTEGER NOT NULL DEFAULT 0,
    last_visited_at  INTEGER
);
CREATE INDEX shares_owner ON shares (owner_id, created_at, id);

-- Avatars: the resized image lives in the data dir; the row names its version.
CREATE TABLE avatars (
    user_id     TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    mime        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
