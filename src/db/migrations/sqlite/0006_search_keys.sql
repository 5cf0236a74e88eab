-- 0006: search rows found by (kind, item_id) through an index. FTS5 cannot index its
-- UNINDEXED columns, so deleting one song's row from `search` read the whole table (a
-- million rows at a million songs). The text moves to the FTS5 table `search_text`, keyed by
-- rowid; `search_keys` maps each rowid to its kind and item id with a B-tree index. `search`
-- becomes a view over both with INSTEAD OF triggers, so the scanner's statements
-- (INSERT INTO / DELETE FROM / UPDATE search ... WHERE kind = ? AND item_id = ?) stay the same
-- on both backends. Queries that MATCH use search_text joined to search_keys.
CREATE VIRTUAL TABLE search_text USING fts5 (
    name,
    extra,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
CREATE TABLE search_keys (
    id       INTEGER PRIMARY KEY,   -- the rowid of the row's text in search_text
    kind     TEXT NOT NULL,         -- 'artist' | 'album' | 'song'
    item_id  TEXT NOT NULL
);
INSERT INTO search_keys (id, kind, item_id) SELECT rowid, kind, item_id FROM search;
INSERT INTO search_text (rowid, name, extra) SELECT rowid, name, extra FROM search;
DROP TABLE search;
CREATE INDEX search_keys_item ON search_keys (item_id, kind);

CREATE VIEW search (kind, item_id, name, extra, key_id) AS
    SELECT k.kind, k.item_id, t.name, t.extra, k.id
    FROM search_keys k JOIN search_text t ON t.rowid = k.id;

CREATE TRIGGER search_insert INSTEAD OF INSERT ON search
BEGIN
    INSERT INTO search_keys (kind, item_id) VALUES (NEW.kind, NEW.item_id);
    INSERT INTO search_text (rowid, name, extra) VALUES (last_insert_rowid(), NEW.name, NEW.extra);
END;

CREATE TRIGGER search_delete INSTEAD OF DELETE ON search
BEGIN
    DELETE FROM search_text WHERE rowid = OLD.key_id;
    DELETE FROM search_keys WHERE id = OLD.key_id;
END;

CREATE TRIGGER search_update INSTEAD OF UPDATE ON search
BEGIN
    UPDATE search_keys SET kind = NEW.kind, item_id = NEW.item_id WHERE id = OLD.key_id;
    UPDATE search_text SET name = NEW.name, extra = NEW.extra
        WHERE rowid = OLD.key_id AND (name IS NOT NEW.name OR extra IS NOT NEW.extra);
END;
