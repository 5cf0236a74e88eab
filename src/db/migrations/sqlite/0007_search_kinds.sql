-- 0007: search that stays fast at a million songs. Two changes:
-- 1. Every row gets `name_key`, its name folded for comparison (swaz_search_key(): lowercase,
--    no accents, one space between words, no leading "the "), with a B-tree on (kind,
--    name_key, item_id): exact and name-prefix matches are a range scan, already in order,
--    that stops at the limit, instead of a walk through every FTS5 match of a common word.
-- 2. The text of each kind gets its own FTS5 table (search_artist, search_album,
--    search_song), so that matching artists never reads the song rows of a word, which
--    outnumber them twenty to one. search_keys keeps allocating the rowids of all three.
-- `search` stays a view with INSTEAD OF triggers; the scanner's SQL does not change.
-- swaz_search_key() is an SQL function that swaz registers on every connection it opens.
DROP TRIGGER search_insert;
DROP TRIGGER search_delete;
DROP TRIGGER search_update;
DROP VIEW search;

ALTER TABLE search_keys ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE search_keys
SET name_key = swaz_search_key((SELECT t.name FROM search_text t WHERE t.rowid = search_keys.id));
CREATE INDEX search_keys_name ON search_keys (kind, name_key, item_id);

CREATE VIRTUAL TABLE search_artist USING fts5 (
    name, extra, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
CREATE VIRTUAL TABLE search_album USING fts5 (
    name, extra, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
CREATE VIRTUAL TABLE search_song USING fts5 (
    name, extra, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
INSERT INTO search_artist (rowid, name, extra)
SELECT k.id, t.name, t.extra FROM search_keys k JOIN search_text t ON t.rowid = k.id
WHERE k.kind = 'artist';
INSERT INTO search_album (rowid, name, extra)
SELECT k.id, t.name, t.extra FROM search_keys k JOIN search_text t ON t.rowid = k.id
WHERE k.kind = 'album';
INSERT INTO search_song (rowid, name, extra)
SELECT k.id, t.name, t.extra FROM search_keys k JOIN search_text t ON t.rowid = k.id
WHERE k.kind = 'song';
DELETE FROM search_keys WHERE kind NOT IN ('artist', 'album', 'song');
DROP TABLE search_text;

CREATE VIEW search (kind, item_id, name, extra, key_id) AS
    SELECT k.kind, k.item_id, t.name, t.extra, k.id
    FROM search_keys k JOIN search_artist t ON t.rowid = k.id WHERE k.kind = 'artist'
    UNION ALL
    SELECT k.kind, k.item_id, t.name, t.extra, k.id
    FROM search_keys k JOIN search_album t ON t.rowid = k.id WHERE k.kind = 'album'
    UNION ALL
    SELECT k.kind, k.item_id, t.name, t.extra, k.id
    FROM search_keys k JOIN search_song t ON t.rowid = k.id WHERE k.kind = 'song';

CREATE TRIGGER search_insert INSTEAD OF INSERT ON search
BEGIN
    SELECT RAISE(ABORT, 'search: kind must be artist, album or song')
    WHERE NEW.kind NOT IN ('artist', 'album', 'song');
    INSERT INTO search_keys (kind, item_id, name_key)
    VALUES (NEW.kind, NEW.item_id, swaz_search_key(NEW.name));
    INSERT INTO search_artist (rowid, name, extra)
    SELECT last_insert_rowid(), NEW.name, NEW.extra WHERE NEW.kind = 'artist';
    INSERT INTO search_album (rowid, name, extra)
    SELECT last_insert_rowid(), NEW.name, NEW.extra WHERE NEW.kind = 'album';
    INSERT INTO search_song (rowid, name, extra)
    SELECT last_insert_rowid(), NEW.name, NEW.extra WHERE NEW.kind = 'song';
END;

CREATE TRIGGER search_delete INSTEAD OF DELETE ON search
BEGIN
    DELETE FROM search_artist WHERE rowid = OLD.key_id AND OLD.kind = 'artist';
    DELETE FROM search_album WHERE rowid = OLD.key_id AND OLD.kind = 'album';
    DELETE FROM search_song WHERE rowid = OLD.key_id AND OLD.kind = 'song';
    DELETE FROM search_keys WHERE id = OLD.key_id;
END;

CREATE TRIGGER search_update INSTEAD OF UPDATE ON search
BEGIN
    SELECT RAISE(ABORT, 'search: a row cannot change kind') WHERE NEW.kind IS NOT OLD.kind;
    UPDATE search_keys SET item_id = NEW.item_id, name_key = swaz_search_key(NEW.name)
        WHERE id = OLD.key_id;
    UPDATE search_artist SET name = NEW.name, extra = NEW.extra
        WHERE rowid = OLD.key_id AND OLD.kind = 'artist'
        AND (name IS NOT NEW.name OR extra IS NOT NEW.extra);
    UPDATE search_album SET name = NEW.name, extra = NEW.extra
        WHERE rowid = OLD.key_id AND OLD.kind = 'album'
        AND (name IS NOT NEW.name OR extra IS NOT NEW.extra);
    UPDATE search_song SET name = NEW.name, extra = NEW.extra
        WHERE rowid = OLD.key_id AND OLD.kind = 'song'
        AND (name IS NOT NEW.name OR extra IS NOT NEW.extra);
END;
