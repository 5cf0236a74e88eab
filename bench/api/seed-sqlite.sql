-- Seeds a synthetic library straight into a migrated SQLite database (no files): the caller
-- first runs `CREATE TEMP TABLE p AS SELECT <songs> AS songs;`. Songs: p.songs; albums of 10
-- songs (songs/10); artists with 2 albums each (songs/20); 16 genres; search rows for
-- everything; aggregates filled. Ids are 24 hex digits like the scanner's, the first digit
-- naming the kind (1 song, 2 album, 3 artist, 4 genre). Names come from 64 words, so searches
-- for a word hit ~1/64 of the rows and prefix queries have real work to do.
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -200000;
BEGIN;
CREATE TEMP TABLE w (n INTEGER PRIMARY KEY, w TEXT NOT NULL);
INSERT INTO w (n, w) VALUES (0,'red'),(1,'blue'),(2,'night'),(3,'day'),(4,'river'),(5,'stone'),
 (6,'fire'),(7,'glass'),(8,'paper'),(9,'silver'),(10,'golden'),(11,'quiet'),(12,'loud'),
 (13,'northern'),(14,'southern'),(15,'broken'),(16,'open'),(17,'secret'),(18,'last'),
 (19,'first'),(20,'little'),(21,'big'),(22,'wild'),(23,'dark'),(24,'bright'),(25,'summer'),
 (26,'winter'),(27,'ocean'),(28,'city'),(29,'garden'),(30,'mirror'),(31,'shadow'),(32,'echo'),
 (33,'signal'),(34,'motor'),(35,'velvet'),(36,'electric'),(37,'lonely'),(38,'happy'),
 (39,'hollow'),(40,'crystal'),(41,'iron'),(42,'thunder'),(43,'rain'),(44,'snow'),(45,'wind'),
 (46,'song'),(47,'dream'),(48,'heart'),(49,'road'),(50,'light'),(51,'star'),(52,'moon'),
 (53,'sun'),(54,'café'),(55,'über'),(56,'señor'),(57,'øre'),(58,'neon'),(59,'paris'),
 (60,'tokyo'),(61,'harbor'),(62,'canyon'),(63,'forest');
CREATE TEMP TABLE g (n INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO g VALUES (0,'Rock'),(1,'Pop'),(2,'Jazz'),(3,'Blues'),(4,'Folk'),(5,'Electronic'),
 (6,'Classical'),(7,'Hip-Hop'),(8,'Metal'),(9,'Punk'),(10,'Soul'),(11,'Reggae'),(12,'Country'),
 (13,'Ambient'),(14,'Funk'),(15,'Latin');

INSERT INTO libraries (id, name, path, created_at, scanned_at)
VALUES (1, 'Bench', '/nonexistent/bench', 1700000000, 1700000000);

INSERT INTO genres (id, name, sort_name, song_count, album_count)
SELECT '4' || printf('%023x', n), name, lower(name), (SELECT songs FROM p) / 16,
       (SELECT songs FROM p) / 160 FROM g;

INSERT INTO artists (id, name, sort_name, album_count, song_count, created_at, updated_at)
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c
                        WHERE i + 1 < (SELECT songs FROM p) / 20)
SELECT '3' || printf('%023x', i), nm, lower(nm), 2, 20, 1700000000 + i, 1700000000 + i
FROM (SELECT i, upper(substr(a.w, 1, 1)) || substr(a.w, 2) || ' ' || b.w || ' ' || i AS nm
      FROM c JOIN w a ON a.n = i % 64 JOIN w b ON b.n = (i / 64 + 7) % 64) x;

INSERT INTO albums (id, name, sort_name, artist_id, album_artist, artist_sort, year,
                    release_date, genre, song_count, disc_count, duration_ms, created_at,
                    updated_at)
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c
                        WHERE i + 1 < (SELECT songs FROM p) / 10)
SELECT '2' || printf('%023x', i), nm, lower(nm), ar.id, ar.name, ar.sort_name,
       1960 + i % 65, '', (SELECT name FROM g WHERE n = i % 16), 10, 1, 2400000,
       1700000000 + i * 7 % 1000003, 1700000000
FROM (SELECT i, upper(substr(a.w, 1, 1)) || substr(a.w, 2) || ' ' || b.w || ' ' || c2.w
             || ' ' || i AS nm
      FROM c JOIN w a ON a.n = (i / 3) % 64 JOIN w b ON b.n = (i / 192 + 5) % 64
      JOIN w c2 ON c2.n = i % 64) x
JOIN artists ar ON ar.id = '3' || printf('%023x', x.i / 2);

INSERT INTO album_artists (album_id, artist_id, position) SELECT id, artist_id, 0 FROM albums;
INSERT INTO album_genres (album_id, genre_id)
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c
                        WHERE i + 1 < (SELECT songs FROM p) / 10)
SELECT '2' || printf('%023x', i), '4' || printf('%023x', i % 16) FROM c;

INSERT INTO songs (id, library_id, path, size, mtime, format, codec, duration_ms, bitrate,
                   sample_rate, bit_depth, channels, title, sort_title, artist, album,
                   album_artist, genre, track_no, track_total, disc_no, disc_total, year,
                   artist_id, album_id, seen_at, created_at, updated_at)
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < (SELECT songs FROM p))
SELECT '1' || printf('%023x', i), 1,
       al.album_artist || '/' || al.name || '/' || printf('%02d', i % 10 + 1) || ' - ' || t
           || (CASE WHEN i % 2 THEN '.flac' ELSE '.mp3' END),
       4000000 + i % 1000, 1700000000, CASE WHEN i % 2 THEN 'flac' ELSE 'mp3' END,
       CASE WHEN i % 2 THEN 'flac' ELSE 'mp3' END, 240000, 320, 44100, 16, 2, t, lower(t),
       al.album_artist, al.name, al.album_artist, al.genre, i % 10 + 1, 10, 1, 1, al.year,
       al.artist_id, al.id, 1700000000, al.created_at, 1700000000
FROM (SELECT i, upper(substr(a.w, 1, 1)) || substr(a.w, 2) || ' ' || b.w || ' ' || c3.w
             || ' ' || i AS t
      FROM c JOIN w a ON a.n = (i * 7) % 64 JOIN w b ON b.n = (i / 64) % 64
      JOIN w c3 ON c3.n = (i / 4096 + 11) % 64) x
JOIN albums al ON al.id = '2' || printf('%023x', x.i / 10);

INSERT INTO song_artists (song_id, artist_id, position) SELECT id, artist_id, 0 FROM songs;
INSERT INTO song_genres (song_id, genre_id)
SELECT s.id, ag.genre_id FROM songs s JOIN album_genres ag ON ag.album_id = s.album_id;

-- Search rows go straight into the tables behind the `search` view: its triggers call
-- swaz_search_key(), which only swaz's own connections have. The key is spelled here for the
-- names above (ASCII lowercase, the four accented words without accents).
CREATE TEMP TABLE sr AS
SELECT 'artist' AS kind, id AS item_id, name, '' AS extra FROM artists
UNION ALL SELECT 'album', id, name, album_artist FROM albums
UNION ALL SELECT 'song', id, title, artist || ' ' || album FROM songs;
INSERT INTO search_keys (kind, item_id, name_key)
SELECT kind, item_id, lower(replace(replace(replace(replace(name, 'é', 'e'), 'ü', 'u'), 'ñ', 'n'),
                                    'ø', 'o'))
FROM sr;
INSERT INTO search_artist (rowid, name, extra)
SELECT k.id, sr.name, sr.extra FROM sr JOIN search_keys k ON k.item_id = sr.item_id
WHERE sr.kind = 'artist' AND k.kind = 'artist';
INSERT INTO search_album (rowid, name, extra)
SELECT k.id, sr.name, sr.extra FROM sr JOIN search_keys k ON k.item_id = sr.item_id
WHERE sr.kind = 'album' AND k.kind = 'album';
INSERT INTO search_song (rowid, name, extra)
SELECT k.id, sr.name, sr.extra FROM sr JOIN search_keys k ON k.item_id = sr.item_id
WHERE sr.kind = 'song' AND k.kind = 'song';
COMMIT;
ANALYZE;
