-- 0005: files users upload (POST /api/uploads). One row per `file` part: created when its
-- first byte arrives ('receiving', `size` grows as bytes are written), then 'stored' once
-- the file is complete, checked and linked under the uploads folder (`path` is relative to
-- it, like songs.path), or 'failed' with a short reason. A stored upload is shown as ready
-- once the scanner has a song at that path.
CREATE TABLE uploads (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    path        TEXT NOT NULL DEFAULT '',
    size        INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX uploads_user ON uploads (user_id, created_at);
