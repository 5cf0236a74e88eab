-- 0007 (PostgreSQL): search that stays fast at a million songs.
-- 1. `name_key`, the name folded for comparison (swaz_search_key(): lowercase, no accents, one
--    space between words, no leading "the "), with a B-tree on (kind, name_key, item_id):
--    exact and name-prefix matches are a range scan, already in order, that stops at the
--    limit.
-- 2. The full-text and trigram GIN indexes are split per kind (partial indexes), so that
--    matching artists never reads the song entries of a word, which outnumber them twenty to
--    one. Queries name their kind as a literal so the planner can use them.
CREATE FUNCTION swaz_search_key(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT regexp_replace(btrim(regexp_replace(swaz_unaccent(lower($1)),
                                                     '[^[:alnum:]]+', ' ', 'g')),
                                '^the ', '') $$;
ALTER TABLE search ADD COLUMN name_key TEXT COLLATE "C"
    GENERATED ALWAYS AS (swaz_search_key(name)) STORED;
CREATE INDEX search_name_key ON search (kind, name_key, item_id);

DROP INDEX search_tsv;
CREATE INDEX search_tsv_artist ON search USING gin (tsv) WHERE kind = 'artist';
CREATE INDEX search_tsv_album ON search USING gin (tsv) WHERE kind = 'album';
CREATE INDEX search_tsv_song ON search USING gin (tsv) WHERE kind = 'song';
DROP INDEX search_trgm;
CREATE INDEX search_trgm_artist ON search USING gin (swaz_unaccent(lower(name)) gin_trgm_ops)
    WHERE kind = 'artist';
CREATE INDEX search_trgm_album ON search USING gin (swaz_unaccent(lower(name)) gin_trgm_ops)
    WHERE kind = 'album';
CREATE INDEX search_trgm_song ON search USING gin (swaz_unaccent(lower(name)) gin_trgm_ops)
    WHERE kind = 'song';
