-- 0009: the settings a library was last read with in full (a digest of artist_separators and
-- cover_priority). When they change, the next full scan reads every folder again instead of
-- skipping the unchanged ones, so a new cover order or new separators reach every album.
-- NULL (libraries scanned before this column existed): the current settings are recorded at
-- the next scan without a re-read.
ALTER TABLE libraries ADD COLUMN scan_settings TEXT;
