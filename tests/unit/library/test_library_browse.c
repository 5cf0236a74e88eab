/*
 * test_library_browse.c - browsing on rows seeded with SQL (no scanner), on SQLite and
 * PostgreSQL: artist, album (every list order), genre, year and folder lists, paging
 * through all pages exactly once, year ranges both ways, genres by name, album songs by
 * disc and track, song fields and related rows, lyrics text, cursors.
 */
#include "core/err.h"
#include "core/limits.h"
#include "library/library_browse.h"
#include "library/library_cursor.h"
#include "library/library_marks.h"
#include "library/library_song.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

static const char *const seed_sql[] = {
    "INSERT INTO libraries (id, name, path, created_at) VALUES (1, 'Music', '/m', 0)",
    "INSERT INTO folders (id, library_id, path, parent_id, name, sort_name, updated_at) VALUES"
    " ('f0', 1, '', NULL, '', '', 0)",
    "INSERT INTO folders (id, library_id, path, parent_id, name, sort_name, updated_at) VALUES"
    " ('f1', 1, 'A', 'f0', 'A', 'a', 0), ('f2', 1, 'B', 'f0', 'B', 'b', 0),"
    " ('f3', 1, 'A/X', 'f1', 'X', 'x', 0)",
    "INSERT INTO artists (id, name, sort_name, image_id, album_count, song_count, created_at,"
    " updated_at) VALUES ('aa01', 'The Beatles', 'beatles', 'ce01', 3, 6, 0, 0),"
    " ('aa02', 'ABBA', 'abba', NULL, 1, 1, 0, 0),"
    " ('aa03', 'Café Tacvba', 'café tacvba', NULL, 1, 1, 0, 0),"
    " ('aa04', 'Zed', 'zed', NULL, 2, 0, 0, 0)",
    "INSERT INTO albums (id, name, sort_name, artist_id, album_artist, artist_sort, year,"
    " song_count, duration_ms, cover_id, created_at, updated_at) VALUES"
    " ('ab01', 'Abbey Road', 'abbey road', 'aa01', 'The Beatles', 'beatles', 1969, 2, 1000,"
    " 'ce02', 100, 0),"
    " ('ab02', 'Arrival', 'arrival', 'aa02', 'ABBA', 'abba', 1976, 1, 1000, NULL, 200, 0),"
    " ('ab03', 'The White Album', 'white album', 'aa01', 'The Beatles', 'beatles', 1968, 3,"
    " 3000, NULL, 300, 0),"
    " ('ab04', 'Help!', 'help!', 'aa01', 'The Beatles', 'beatles', 1965, 1, 100, NULL, 400, 0),"
    " ('ab05', 'Re', 're', 'aa03', 'Café Tacvba & Zed', 'café tacvba', 1994, 1, 100, NULL, 500,"
    " 0),"
    " ('ab06', 'Zzz', 'zzz', 'aa04', 'Zed', 'zed', NULL, 0, 0, NULL, 600, 0)",
    "INSERT INTO album_artists (album_id, artist_id, position) VALUES ('ab01', 'aa01', 0),"
    " ('ab02', 'aa02', 0), ('ab03', 'aa01', 0), ('ab04', 'aa01', 0), ('ab05', 'aa03', 0),"
    " ('ab05', 'aa04', 1), ('ab06', 'aa04', 0)",
    "INSERT INTO genres (id, name, sort_name, song_count, album_count) VALUES"
    " ('dd01', 'Rock', 'rock', 7, 4), ('dd02', 'Jazz', 'jazz', 2, 2)",
    "INSERT INTO album_genres (album_id, genre_id) VALUES ('ab01', 'dd01'), ('ab03', 'dd01'),"
    " ('ab04', 'dd01'), ('ab05', 'dd01'), ('ab02', 'dd02'), ('ab05', 'dd02')",
    "INSERT INTO songs (id, library_id, folder_id, path, size, mtime, format, title, sort_title,"
    " artist, album, album_id, artist_id, disc_no, track_no, year, missing, created_at,"
    " updated_at) VALUES"
    " ('c001', 1, 'f1', 'A/01.mp3', 1, 0, 'mp3', 'Come Together', 'come together',"
    " 'The Beatles', 'Abbey Road', 'ab01', 'aa01', 1, 1, 1969, 0, 0, 0),"
    " ('c002', 1, 'f1', 'A/02.mp3', 1, 0, 'mp3', 'Something', 'something', 'The Beatles',"
    " 'Abbey Road', 'ab01', 'aa01', 1, 2, 1969, 0, 0, 0),"
    " ('c003', 1, 'f2', 'B/1.mp3', 1, 0, 'mp3', 'Dancing Queen', 'dancing queen', 'ABBA',"
    " 'Arrival', 'ab02', 'aa02', 1, 1, 1976, 0, 0, 0),"
    " ('c004', 1, 'f3', 'A/X/1.mp3', 1, 0, 'mp3', 'Back in the U.S.S.R.',"
    " 'back in the u.s.s.r.', 'The Beatles', 'The White Album', 'ab03', 'aa01', 1, 1, 1968, 0,"
    " 0, 0),"
    " ('c005', 1, 'f3', 'A/X/2.mp3', 1, 0, 'mp3', 'Blackbird', 'blackbird', 'The Beatles',"
    " 'The White Album', 'ab03', 'aa01', 2, 1, 1968, 0, 0, 0),"
    " ('c006', 1, 'f3', 'A/X/3.mp3', 1, 0, 'mp3', 'Dear Prudence', 'dear prudence',"
    " 'The Beatles', 'The White Album', 'ab03', 'aa01', 1, 2, 1968, 0, 0, 0),"
    " ('c007', 1, 'f0', 'help.mp3', 1, 0, 'mp3', 'Help!', 'help!', 'The Beatles', 'Help!',"
    " 'ab04', 'aa01', NULL, 1, 1965, 0, 0, 0),"
    " ('c008', 1, 'f0', 'flores.mp3', 1, 0, 'mp3', 'Las Flores', 'las flores', 'Café Tacvba',"
    " 'Re', 'ab05', 'aa03', 1, 1, 1994, 0, 0, 0),"
    " ('c009', 1, 'f0', 'gone.mp3', 1, 0, 'mp3', 'Gone', 'gone', 'Zed', 'Re', 'ab05', 'aa04',"
    " 1, 2, 1994, 1, 0, 0)",
    "UPDATE songs SET lyrics = '[00:01.00]Hola', lyrics_synced = 1, rg_track_gain = -6.5,"
    " mbid = 'f00d', compilation = 1, bit_depth = 24, label = 'Warner', created_at = 777"
    " WHERE id = 'c008'",
    "INSERT INTO song_artists (song_id, artist_id, position) VALUES ('c001', 'aa01', 0),"
    " ('c008', 'aa03', 0), ('c008', 'aa04', 1)",
    "INSERT INTO song_genres (song_id, genre_id) VALUES ('c008', 'dd01'), ('c008', 'dd02')",
};

static void seed(DbConn *c)
{
    for (size_t i = 0; i < sizeof(seed_sql) / sizeof(seed_sql[0]); i++) {
        int r = db_exec(c, seed_sql[i]);
        if (r != 0)
            fail_msg("seed %zu: %s", i, db_errmsg(c));
    }
}

/* Opens the database at `url`, migrates it and seeds it; returns a connection held until
 * the caller releases it, and the pool. */
static DbConn *seeded(const char *url, Db **ret_db)
{
    Db *db;
    assert_int_equal(db_open(url, 2, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    seed(c);
    *ret_db = db;
    return c;
}

/* Pages through albums of `q` with `limit` by offset (library_browse_albums_at()), writing
 * "id,id,..." into out; the page past the end is empty. */
static void album_offsets(DbConn *c, Arena *a, const AlbumQuery *q, int limit, char *out,
                          size_t cap)
{
    out[0] = '\0';
    for (int64_t offset = 0; offset < 50; offset += limit) {
        Album *items;
        size_t n;
        const char *next;
        assert_int_equal(library_browse_albums_at(c, a, q, offset, limit, &items, &n, &next), 0);
        for (size_t i = 0; i < n; i++) {
            strncat(out, items[i].id, cap - strlen(out) - 2);
            strncat(out, ",", cap - strlen(out) - 1);
        }
        if (n < (size_t)limit)
            return;
    }
    fail_msg("paging did not end");
}

/* Pages through albums of `q` with `limit`, writing "id,id,..." into out; paging by offset
 * gives the same list. */
static void album_pages(DbConn *c, Arena *a, const AlbumQuery *q, int limit, char *out, size_t cap)
{
    out[0] = '\0';
    const char *cursor = NULL;
    for (int page = 0; page < 50; page++) {
        Album *items;
        size_t n;
        const char *next;
        assert_int_equal(library_browse_albums(c, a, q, cursor, limit, &items, &n, &next), 0);
        assert_true(n <= (size_t)limit);
        for (size_t i = 0; i < n; i++) {
            strncat(out, items[i].id, cap - strlen(out) - 2);
            strncat(out, ",", cap - strlen(out) - 1);
        }
        if (!next) {
            char by_offset[512];
            album_offsets(c, a, q, limit, by_offset, sizeof(by_offset));
            assert_string_equal(by_offset, out);
            return;
        }
        assert_int_equal(n, limit);
        cursor = next;
    }
    fail_msg("paging did not end");
}

static void folder_pages(DbConn *c, Arena *a, const char *id, int limit, char *out, size_t cap)
{
    out[0] = '\0';
    const char *cursor = NULL;
    for (int page = 0; page < 50; page++) {
        Folder f;
        FolderEntry *items;
        size_t n;
        const char *next;
        assert_int_equal(library_browse_folder(c, a, id, cursor, limit, &f, &items, &n, &next), 0);
        for (size_t i = 0; i < n; i++) {
            strncat(out, items[i].folder ? items[i].folder->id : items[i].song->id,
                    cap - strlen(out) - 2);
            strncat(out, ",", cap - strlen(out) - 1);
        }
        if (!next)
            return;
        cursor = next;
    }
    fail_msg("paging did not end");
}

/* The ids of library_song_filter()'s page, concatenated into `out`. */
static void song_ids(DbConn *c, Arena *a, const LibraryScope *scope, const SongFilter *f,
                     int64_t offset, int limit, char *out, size_t cap)
{
    Song *songs;
    size_t n;
    assert_int_equal(library_song_filter(c, a, scope, f, offset, limit, &songs, &n), 0);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        strncat(out, songs[i].id, cap - strlen(out) - 1);
}

/* Song lists (every song, a genre's, a genre's in years; in every library and in one) at
 * every offset on a server that keeps offset marks every 1, 2 and 3 rows: the same ids as the whole
 * list read at once (ids are 4 characters), before and after a retitle that the generation bump
 * announces. */
static void marked_song_offsets(Db *db, DbConn *c)
{
    const SongFilter filters[] = {
        {0}, {.genre_id = "dd01"}, {.genre_id = "dd01", .from_year = 1969, .to_year = 1994}};
    const int64_t lib1[] = {1};
    const LibraryScope only1 = {.ids = lib1, .n = 1};
    const LibraryScope *scopes[] = {NULL, &only1};
    Arena *a = arena_new(8 << 20);
    assert_non_null(a);
    char all[512], got[512];
    for (int round = 0; round < 2; round++) {
        for (int64_t step = 1; step <= 3; step++) {
            LibraryMarks *marks = library_marks_new(4, step);
            assert_non_null(marks);
            for (size_t k = 0; k < 2 * sizeof(filters) / sizeof(filters[0]); k++) {
                const LibraryScope *scope = scopes[k % 2];
                const SongFilter *f = &filters[k / 2];
                library_marks_attach(db, NULL);
                song_ids(c, a, scope, f, 0, 100, all, sizeof(all));
                library_marks_attach(db, marks);
                size_t len = strlen(all) / 4;
                for (size_t offset = 0; offset <= len + 1; offset++) {
                    for (int limit = 1; limit <= 2; limit++) {
                        song_ids(c, a, scope, f, (int64_t)offset, limit, got, sizeof(got));
                        size_t from = offset < len ? offset : len;
                        size_t n = len - from < (size_t)limit ? len - from : (size_t)limit;
                        assert_int_equal(strlen(got), 4 * n);
                        assert_memory_equal(got, all + 4 * from, 4 * n);
                    }
                }
            }
            assert_true(library_marks_count(marks) > 0);
            library_marks_attach(db, NULL);
            library_marks_free(marks);
        }
        /* a scan moves the first song of the list to its end */
        assert_int_equal(db_begin_write(c), 0);
        assert_int_equal(db_exec(c, round == 0 ? "UPDATE songs SET sort_title = 'zzzz'"
                                                 " WHERE id = 'c004'"
                                               : "UPDATE songs SET sort_title ="
                                                 " 'back in the u.s.s.r.' WHERE id = 'c004'"),
                         0);
        assert_int_equal(db_generation_bump(c, DB_GENERATION_LIBRARY), 0);
        assert_int_equal(db_commit(c), 0);
    }
    arena_free(a);
}

/* Album lists and artists at every offset on a server that keeps offset marks
 * (library_marks.h) every `step` rows: the same pages as without, the marks learnt on the
 * way; after a scan's change (the library generation bumped), pages follow the change. */
static void marked_offsets(Db *db, DbConn *c, int64_t step)
{
    LibraryMarks *marks = library_marks_new(4, step);
    Arena *a = arena_new(8 << 20);
    assert_non_null(marks);
    assert_non_null(a);
    library_marks_attach(db, marks);
    char got[512];
    AlbumQuery q = {.list = LIBRARY_ALBUMS_ALPHA_NAME};
    for (int limit = 1; limit <= 4; limit++) {
        album_pages(c, a, &q, limit, got, sizeof(got));
        assert_string_equal(got, "ab01,ab02,ab04,ab05,ab03,ab06,");
    }
    assert_true(library_marks_count(marks) > 0);
    /* a restricted user's lists have marks of their own (by offset = by cursor) */
    const int64_t in_music[] = {1};
    const LibraryScope music = {.ids = in_music, .n = 1};
    size_t held = library_marks_count(marks);
    q.scope = &music;
    album_pages(c, a, &q, 1, got, sizeof(got));
    assert_true(strlen(got) > 0);
    assert_true(library_marks_count(marks) > held);
    q.scope = NULL;
    q.list = LIBRARY_ALBUMS_ALPHA_ARTIST;
    album_pages(c, a, &q, 1, got, sizeof(got));
    assert_string_equal(got, "ab02,ab01,ab04,ab03,ab05,ab06,");
    q.list = LIBRARY_ALBUMS_NEWEST;
    album_pages(c, a, &q, 1, got, sizeof(got));
    assert_string_equal(got, "ab06,ab05,ab04,ab03,ab02,ab01,");
    q = (AlbumQuery){.list = LIBRARY_ALBUMS_YEAR, .from = 1965, .to = 1970};
    album_pages(c, a, &q, 1, got, sizeof(got));
    assert_string_equal(got, "ab04,ab03,ab01,");
    q = (AlbumQuery){.list = LIBRARY_ALBUMS_YEAR, .from = 1970, .to = 1965};
    album_pages(c, a, &q, 2, got, sizeof(got));
    assert_string_equal(got, "ab01,ab03,ab04,");
    got[0] = '\0';
    for (int64_t offset = 0;; offset++) {
        Artist *items;
        size_t n;
        const char *next;
        assert_int_equal(library_browse_artists_at(c, a, NULL, offset, 1, &items, &n, &next), 0);
        if (n == 0)
            break;
        strncat(got, items[0].name, sizeof(got) - strlen(got) - 2);
        strncat(got, ",", sizeof(got) - strlen(got) - 1);
    }
    assert_string_equal(got, "ABBA,The Beatles,Café Tacvba,Zed,");
    /* a scan renames Zzz to the front: the marks of the old order must not be used */
    assert_int_equal(db_begin_write(c), 0);
    assert_int_equal(db_exec(c, "UPDATE albums SET sort_name = 'aaa' WHERE id = 'ab06'"), 0);
    assert_int_equal(db_generation_bump(c, DB_GENERATION_LIBRARY), 0);
    assert_int_equal(db_commit(c), 0);
    q = (AlbumQuery){.list = LIBRARY_ALBUMS_ALPHA_NAME};
    album_pages(c, a, &q, 1, got, sizeof(got));
    assert_string_equal(got, "ab06,ab01,ab02,ab04,ab05,ab03,");
    assert_int_equal(db_begin_write(c), 0);
    assert_int_equal(db_exec(c, "UPDATE albums SET sort_name = 'zzz' WHERE id = 'ab06'"), 0);
    assert_int_equal(db_generation_bump(c, DB_GENERATION_LIBRARY), 0);
    assert_int_equal(db_commit(c), 0);
    album_pages(c, a, &q, 1, got, sizeof(got));
    assert_string_equal(got, "ab01,ab02,ab04,ab05,ab03,ab06,");
    library_marks_attach(db, NULL);
    library_marks_free(marks);
    arena_free(a);
}

static void browse_case(const char *url, const char *dir)
{
    (void)dir;
    Db *db;
    DbConn *c = seeded(url, &db);
    Arena *a = arena_new(8 << 20);
    char got[512];

    /* Artists by sort name ("The" ignored), every page once, for every page size. */
    for (int limit = 1; limit <= 5; limit++) {
        got[0] = '\0';
        const char *cursor = NULL;
        for (;;) {
            Artist *items;
            size_t n;
            const char *next;
            assert_int_equal(library_browse_artists(c, a, cursor, limit, &items, &n, &next), 0);
            for (size_t i = 0; i < n; i++) {
                strncat(got, items[i].name, sizeof(got) - strlen(got) - 2);
                strncat(got, ",", sizeof(got) - strlen(got) - 1);
            }
            if (!next)
                break;
            cursor = next;
        }
        assert_string_equal(got, "ABBA,The Beatles,Café Tacvba,Zed,");
        got[0] = '\0';
        for (int64_t offset = 0;; offset += limit) { /* by offset: the same */
            Artist *items;
            size_t n;
            const char *next;
            assert_int_equal(
                library_browse_artists_at(c, a, NULL, offset, limit, &items, &n, &next), 0);
            for (size_t i = 0; i < n; i++) {
                strncat(got, items[i].name, sizeof(got) - strlen(got) - 2);
                strncat(got, ",", sizeof(got) - strlen(got) - 1);
            }
            if (n < (size_t)limit)
                break;
        }
        assert_string_equal(got, "ABBA,The Beatles,Café Tacvba,Zed,");
    }
    Artist artist;
    Album *albums;
    size_t n;
    assert_int_equal(library_browse_artist(c, a, "aa01", &artist, &albums, &n), 0);
    assert_string_equal(artist.name, "The Beatles");
    assert_string_equal(artist.image_id, "ce01");
    assert_int_equal(artist.album_count, 3);
    assert_int_equal(n, 3);
    assert_string_equal(albums[0].name, "Help!");
    assert_string_equal(albums[2].name, "Abbey Road");
    assert_int_equal(library_browse_artist(c, a, "aa04", &artist, &albums, &n), 0);
    assert_int_equal(n, 2); /* album artist of Zzz and (second) of Re */
    assert_string_equal(albums[0].id, "ab06");
    assert_string_equal(albums[1].id, "ab05");
    assert_int_equal(albums[1].artists.n, 2);
    assert_string_equal(albums[1].artists.items[1].name, "Zed");
    assert_int_equal(library_browse_artist(c, a, "aa99", &artist, &albums, &n), -ENOENT);
    assert_int_equal(library_browse_artist(c, a, "x'--", &artist, &albums, &n), -ENOENT);

    /* Album lists, each paged at several sizes. */
    AlbumQuery q = {.list = LIBRARY_ALBUMS_ALPHA_NAME};
    for (int limit = 1; limit <= 7; limit++) {
        album_pages(c, a, &q, limit, got, sizeof(got));
        assert_string_equal(got, "ab01,ab02,ab04,ab05,ab03,ab06,");
    }
    q.list = LIBRARY_ALBUMS_ALPHA_ARTIST;
    for (int limit = 1; limit <= 3; limit++) {
        album_pages(c, a, &q, limit, got, sizeof(got));
        assert_string_equal(got, "ab02,ab01,ab04,ab03,ab05,ab06,");
    }
    q.list = LIBRARY_ALBUMS_NEWEST;
    for (int limit = 1; limit <= 4; limit++) {
        album_pages(c, a, &q, limit, got, sizeof(got));
        assert_string_equal(got, "ab06,ab05,ab04,ab03,ab02,ab01,");
    }
    q = (AlbumQuery){.list = LIBRARY_ALBUMS_YEAR, .from = 1965, .to = 1970};
    for (int limit = 1; limit <= 4; limit++) {
        album_pages(c, a, &q, limit, got, sizeof(got));
        assert_string_equal(got, "ab04,ab03,ab01,");
    }
    q = (AlbumQuery){.list = LIBRARY_ALBUMS_YEAR, .from = 1970, .to = 1965};
    for (int limit = 1; limit <= 4; limit++) {
        album_pages(c, a, &q, limit, got, sizeof(got));
        assert_string_equal(got, "ab01,ab03,ab04,");
    }
    q = (AlbumQuery){.list = LIBRARY_ALBUMS_YEAR, .from = 1969, .to = 1969};
    album_pages(c, a, &q, 10, got, sizeof(got));
    assert_string_equal(got, "ab01,");
    q = (AlbumQuery){.list = LIBRARY_ALBUMS_YEAR, .from = 2000, .to = 2010};
    album_pages(c, a, &q, 10, got, sizeof(got));
    assert_string_equal(got, "");
    for (int64_t step = 1; step <= 3; step++)
        marked_offsets(db, c, step);

    const char *genre_id;
    assert_int_equal(library_browse_genre_find(c, a, "rock", &genre_id), 0);
    assert_string_equal(genre_id, "dd01");
    assert_int_equal(library_browse_genre_find(c, a, "dd02", &genre_id), 0);
    assert_string_equal(genre_id, "dd02");
    assert_int_equal(library_browse_genre_find(c, a, "Polka", &genre_id), -ENOENT);
    q = (AlbumQuery){.list = LIBRARY_ALBUMS_GENRE, .genre_id = "dd01"};
    for (int limit = 1; limit <= 5; limit++) {
        album_pages(c, a, &q, limit, got, sizeof(got));
        assert_string_equal(got, "ab01,ab03,ab04,ab05,");
    }
    q.genre_id = "dd02";
    album_pages(c, a, &q, 1, got, sizeof(got));
    assert_string_equal(got, "ab02,ab05,");
    /* scoped, by cursor and by offset (whose seek reads album_genres alone) */
    const int64_t in_music[] = {1}, in_other[] = {2};
    LibraryScope music = {.ids = in_music, .n = 1}, other = {.ids = in_other, .n = 1};
    q = (AlbumQuery){.list = LIBRARY_ALBUMS_GENRE, .genre_id = "dd01", .scope = &music};
    album_pages(c, a, &q, 1, got, sizeof(got));
    assert_string_equal(got, "ab01,ab03,ab04,ab05,");
    q.scope = &other;
    album_offsets(c, a, &q, 1, got, sizeof(got));
    assert_string_equal(got, "");

    q = (AlbumQuery){.list = LIBRARY_ALBUMS_RANDOM};
    const char *next;
    for (int limit = 1; limit <= 10; limit += 3) {
        assert_int_equal(library_browse_albums(c, a, &q, NULL, limit, &albums, &n, &next), 0);
        assert_null(next);
        /* probes find `limit` of the 6; past 6, all of them shuffled */
        assert_int_equal(n, limit < 6 ? (size_t)limit : 6);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = i + 1; j < n; j++)
                assert_string_not_equal(albums[i].id, albums[j].id);
        }
    }

    /* Malformed cursors and limits. */
    q.list = LIBRARY_ALBUMS_ALPHA_NAME;
    assert_int_equal(library_browse_albums(c, a, &q, "!!", 5, &albums, &n, &next), ERR_PARSE);
    const char *three[] = {"x", "y", "ab01"};
    const char *wrong = library_cursor_pack(a, three, 3);
    assert_int_equal(library_browse_albums(c, a, &q, wrong, 5, &albums, &n, &next), ERR_PARSE);
    q.list = LIBRARY_ALBUMS_NEWEST;
    const char *two[] = {"notanumber", "ab01"};
    wrong = library_cursor_pack(a, two, 2);
    assert_int_equal(library_browse_albums(c, a, &q, wrong, 5, &albums, &n, &next), ERR_PARSE);
    assert_int_equal(library_browse_albums(c, a, &q, NULL, 0, &albums, &n, &next), -EINVAL);
    assert_int_equal(library_browse_albums(c, a, &q, NULL, 501, &albums, &n, &next), -EINVAL);

    /* One album: songs by disc then track; related rows. */
    Album album;
    Song *songs;
    assert_int_equal(library_browse_album(c, a, "ab03", &album, &songs, &n), 0);
    assert_string_equal(album.name, "The White Album");
    assert_int_equal(n, 3);
    assert_string_equal(songs[0].id, "c004");
    assert_string_equal(songs[1].id, "c006");
    assert_string_equal(songs[2].id, "c005");
    assert_int_equal(album.genres.n, 1);
    assert_string_equal(album.genres.items[0].name, "Rock");
    assert_int_equal(library_browse_album(c, a, "ab05", &album, &songs, &n), 0);
    assert_int_equal(n, 1); /* the missing song is hidden */
    assert_int_equal(album.genres.n, 2);
    assert_string_equal(album.genres.items[0].name, "Jazz");
    assert_int_equal(library_browse_album(c, a, "abff", &album, &songs, &n), -ENOENT);

    /* Song fields and related rows. */
    Song s;
    assert_int_equal(library_song_get(c, a, "c008", &s), 0);
    assert_true(s.has_lyrics);
    assert_true(s.lyrics_synced);
    assert_true(s.has_rg_track_gain);
    assert_true(s.rg_track_gain < -6.4 && s.rg_track_gain > -6.6);
    assert_false(s.has_rg_album_gain);
    assert_string_equal(s.mbid, "f00d");
    assert_null(s.mbid_album);
    assert_true(s.compilation);
    assert_int_equal(s.bit_depth, 24);
    assert_string_equal(s.label, "Warner");
    assert_int_equal(s.artists.n, 2);
    assert_string_equal(s.artists.items[0].id, "aa03");
    assert_string_equal(s.artists.items[1].id, "aa04");
    assert_int_equal(s.album_artists.n, 2);
    assert_string_equal(s.album_artists.items[0].id, "aa03"); /* by position */
    assert_string_equal(s.album_artists.items[1].id, "aa04");
    assert_int_equal(s.genres.n, 2);
    assert_string_equal(s.genres.items[0].name, "Jazz"); /* by sort_name, not by id */
    assert_string_equal(s.genres.items[1].name, "Rock");
    assert_int_equal(library_song_get(c, a, "c009", &s), -ENOENT);
    const char *text;
    bool synced;
    assert_int_equal(library_song_lyrics(c, a, "c008", &text, &synced), 0);
    assert_string_equal(text, "[00:01.00]Hola");
    assert_true(synced);
    assert_int_equal(library_song_lyrics(c, a, "c001", &text, &synced), 0);
    assert_string_equal(text, "");
    assert_int_equal(library_song_lyrics(c, a, "c009", &text, &synced), -ENOENT);
    const char *ids[] = {"c005", "nothex!", "c009", "c001"};
    assert_int_equal(library_song_by_ids(c, a, ids, 4, &songs, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(songs[0].id, "c005");
    assert_string_equal(songs[1].id, "c001");
    const char *repeated[] = {"c001", "c005", "c001", "c009"}; /* repeats kept, in order */
    assert_int_equal(library_song_by_ids(c, a, repeated, 4, &songs, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(songs[0].id, "c001");
    assert_string_equal(songs[1].id, "c005");
    assert_string_equal(songs[2].id, "c001");
    assert_int_equal(library_song_by_ids(c, a, repeated + 3, 1, &songs, &n), 0);
    assert_int_equal(n, 0);
    /* Artists and albums by id: one statement, rows back in the caller's order. */
    const char *artist_ids[] = {"aa04", "nothex!", "aa01", "aa99", "aa04"};
    Artist *artists;
    assert_int_equal(library_browse_artists_by_id_scoped(c, a, NULL, artist_ids, 5, &artists, &n),
                     0);
    assert_int_equal(n, 3);
    assert_string_equal(artists[0].id, "aa04");
    assert_string_equal(artists[1].id, "aa01");
    assert_string_equal(artists[2].id, "aa04");
    const char *album_ids[] = {"ab05", "ab01", "zz", "ab03"};
    Album *by_id;
    assert_int_equal(library_browse_albums_by_id_scoped(c, a, NULL, album_ids, 4, &by_id, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(by_id[0].id, "ab05");
    assert_string_equal(by_id[1].id, "ab01");
    assert_string_equal(by_id[2].id, "ab03");
    assert_int_equal(library_browse_albums_by_id_scoped(c, a, NULL, album_ids + 2, 1, &by_id, &n),
                     0);
    assert_int_equal(n, 0);

    /* Every song once through all pages. */
    for (int limit = 1; limit <= 9; limit += 4) {
        const char *cursor = NULL;
        size_t total = 0;
        for (;;) {
            assert_int_equal(library_song_list(c, a, cursor, limit, &songs, &n, &next), 0);
            total += n;
            if (!next)
                break;
            cursor = next;
        }
        assert_int_equal(total, 8);
    }

    /* Genres and years. */
    Genre *genres;
    assert_int_equal(library_browse_genres(c, a, NULL, 1, &genres, &n, &next), 0);
    assert_int_equal(n, 1);
    assert_string_equal(genres[0].name, "Jazz");
    assert_int_equal(genres[0].album_count, 2);
    assert_non_null(next);
    assert_int_equal(library_browse_genres(c, a, next, 1, &genres, &n, &next), 0);
    assert_string_equal(genres[0].name, "Rock");
    assert_int_equal(genres[0].song_count, 7);
    assert_null(next);
    YearCount *years;
    assert_int_equal(library_browse_years(c, a, &years, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(years[0].year, 1965);
    assert_int_equal(years[4].year, 1994);
    assert_int_equal(years[4].album_count, 1);

    /* Folders: the library root, then subfolders before songs, by name and path. */
    Folder *roots;
    assert_int_equal(library_browse_roots(c, a, &roots, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(roots[0].id, "f0");
    assert_string_equal(roots[0].name, "Music");
    assert_null(roots[0].parent_id);
    for (int limit = 1; limit <= 5; limit++) {
        folder_pages(c, a, "f0", limit, got, sizeof(got));
        assert_string_equal(got, "f1,f2,c008,c007,");
        folder_pages(c, a, "f1", limit, got, sizeof(got));
        assert_string_equal(got, "f3,c001,c002,");
    }
    folder_pages(c, a, "f3", 2, got, sizeof(got));
    assert_string_equal(got, "c004,c005,c006,");
    Folder f;
    FolderEntry *entries;
    assert_int_equal(library_browse_folder(c, a, "f3", NULL, 5, &f, &entries, &n, &next), 0);
    assert_string_equal(f.name, "X");
    assert_string_equal(f.parent_id, "f1");
    assert_int_equal(library_browse_folder(c, a, "ffff", NULL, 5, &f, &entries, &n, &next),
                     -ENOENT);
    const char *bad[] = {"z", "a", "f1"};
    assert_int_equal(library_browse_folder(c, a, "f0", library_cursor_pack(a, bad, 3), 5, &f,
                                           &entries, &n, &next),
                     ERR_PARSE);

    /* Filtered song lists (Subsonic getSongsByGenre, getRandomSongs, search3 with no query):
     * by title, genre, years, offset; missing songs never appear. */
    SongFilter all = {0};
    assert_int_equal(library_song_filter(c, a, NULL, &all, 0, 500, &songs, &n), 0);
    assert_int_equal(n, 8);
    assert_string_equal(songs[0].id, "c004"); /* back in the u.s.s.r. */
    assert_string_equal(songs[7].id, "c002"); /* something */
    assert_int_equal(library_song_filter(c, a, NULL, &all, 6, 500, &songs, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(songs[0].id, "c008");
    assert_int_equal(library_song_filter(c, a, NULL, &all, 8, 500, &songs, &n), 0);
    assert_int_equal(n, 0);
    SongFilter rock = {.genre_id = "dd01"};
    assert_int_equal(library_song_filter(c, a, NULL, &rock, 0, 10, &songs, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(songs[0].id, "c008");
    assert_int_equal(songs[0].genres.n, 2); /* related rows attached */
    assert_int_equal(songs[0].created_at, 777);
    SongFilter sixties = {.from_year = 1965, .to_year = 1969};
    assert_int_equal(library_song_filter(c, a, NULL, &sixties, 0, 3, &songs, &n), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_true(songs[i].year >= 1965 && songs[i].year <= 1969);
    SongFilter shuffled = {.random = true, .from_year = 1994};
    assert_int_equal(library_song_filter(c, a, NULL, &shuffled, 5, 10, &songs, &n), 0);
    assert_int_equal(n, 1); /* offset ignored; c009 (1994) is missing */
    assert_string_equal(songs[0].id, "c008");
    LibraryScope none = {.all = false, .ids = NULL, .n = 0};
    assert_int_equal(library_song_filter(c, a, &none, &all, 0, 10, &songs, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(library_song_filter(c, a, NULL, &all, 0, 0, &songs, &n), -EINVAL);
    assert_int_equal(library_song_filter(c, a, NULL, &all, -1, 5, &songs, &n), -EINVAL);
    assert_int_equal(library_song_filter(c, a, NULL, &all, INT64_MAX, 5, &songs, &n), 0);
    assert_int_equal(n, 0); /* any offset past the end: nothing */
    SongFilter pop = {.genre_id = "dd02"};
    char got_genre[256] = "", got_all[256] = "";
    for (int64_t offset = 0; offset < 20; offset++) { /* one song per offset: the same list */
        assert_int_equal(library_song_filter(c, a, NULL, &all, offset, 1, &songs, &n), 0);
        if (n)
            strncat(got_all, songs[0].id, sizeof(got_all) - strlen(got_all) - 1);
        assert_int_equal(library_song_filter(c, a, NULL, &pop, offset, 1, &songs, &n), 0);
        if (n)
            strncat(got_genre, songs[0].id, sizeof(got_genre) - strlen(got_genre) - 1);
    }
    assert_int_equal(library_song_filter(c, a, NULL, &all, 0, 500, &songs, &n), 0);
    char want[256] = "";
    for (size_t i = 0; i < n; i++)
        strncat(want, songs[i].id, sizeof(want) - strlen(want) - 1);
    assert_string_equal(got_all, want);
    assert_int_equal(library_song_filter(c, a, NULL, &pop, 0, 500, &songs, &n), 0);
    want[0] = '\0';
    for (size_t i = 0; i < n; i++)
        strncat(want, songs[i].id, sizeof(want) - strlen(want) - 1);
    assert_string_equal(got_genre, want);
    /* Random songs: distinct, present, every one of them when the page is larger. */
    SongFilter any = {.random = true};
    for (int limit = 1; limit <= 10; limit++) {
        assert_int_equal(library_song_filter(c, a, NULL, &any, 0, limit, &songs, &n), 0);
        assert_int_equal(n, limit < 8 ? (size_t)limit : 8);
        for (size_t i = 0; i < n; i++) {
            assert_string_not_equal(songs[i].id, "c009"); /* missing */
            for (size_t j = i + 1; j < n; j++)
                assert_string_not_equal(songs[i].id, songs[j].id);
        }
    }
    SongFilter random_rock = {.random = true, .genre_id = "dd01"};
    assert_int_equal(library_song_filter(c, a, NULL, &random_rock, 0, 5, &songs, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(songs[0].id, "c008");
    /* A genre's songs by (sort_title, id) come from song_genres_sort (migration 0014), whose
     * copies of the songs' keys follow every change: a retitled song moves in the list, a
     * missing one leaves it, and the scope reads the copied library. */
    assert_int_equal(db_exec(c, "INSERT INTO song_genres (song_id, genre_id) VALUES"
                                " ('c001', 'dd01'), ('c009', 'dd01'), ('c004', 'dd01')"),
                     0);
    song_ids(c, a, NULL, &rock, 0, 10, got, sizeof(got));
    assert_string_equal(got, "c004c001c008"); /* c009 is missing */
    song_ids(c, a, NULL, &rock, 1, 1, got, sizeof(got));
    assert_string_equal(got, "c001");
    song_ids(c, a, NULL, &rock, 2, 5, got, sizeof(got));
    assert_string_equal(got, "c008");
    SongFilter rock_years = {.genre_id = "dd01", .from_year = 1969, .to_year = 1994};
    song_ids(c, a, NULL, &rock_years, 0, 10, got, sizeof(got));
    assert_string_equal(got, "c001c008");
    song_ids(c, a, NULL, &rock_years, 1, 10, got, sizeof(got));
    assert_string_equal(got, "c008");
    const int64_t lib1[] = {1}, lib2[] = {2};
    LibraryScope only1 = {.ids = lib1, .n = 1}, only2 = {.ids = lib2, .n = 1};
    song_ids(c, a, &only1, &rock, 1, 10, got, sizeof(got));
    assert_string_equal(got, "c001c008");
    song_ids(c, a, &only2, &rock, 0, 10, got, sizeof(got));
    assert_string_equal(got, "");
    assert_int_equal(db_exec(c, "UPDATE songs SET sort_title = 'zzz', missing = 0 WHERE id IN"
                                " ('c004', 'c009')"),
                     0);
    song_ids(c, a, NULL, &rock, 0, 10, got, sizeof(got));
    assert_string_equal(got, "c001c008c004c009");
    song_ids(c, a, NULL, &rock, 3, 10, got, sizeof(got));
    assert_string_equal(got, "c009");
    assert_int_equal(db_exec(c, "UPDATE songs SET sort_title = 'back in the u.s.s.r.'"
                                " WHERE id = 'c004'"),
                     0);
    assert_int_equal(db_exec(c, "UPDATE songs SET sort_title = 'gone', missing = 1"
                                " WHERE id = 'c009'"),
                     0);
    song_ids(c, a, NULL, &rock, 0, 10, got, sizeof(got));
    assert_string_equal(got, "c004c001c008");
    marked_song_offsets(db, c);

    /* Related rows of a page, one query per relation: artists in tag order, genres by name,
     * the songs of one album share its album artists; repeated and unknown ids. */
    const char *const page[] = {"c008", "c001", "c002", "c008", "nope", "c003"};
    assert_int_equal(library_song_by_ids(c, a, page, 6, &songs, &n), 0);
    assert_int_equal(n, 5);
    assert_string_equal(songs[0].id, "c008");
    assert_int_equal(songs[0].artists.n, 2);
    assert_string_equal(songs[0].artists.items[0].id, "aa03");
    assert_string_equal(songs[0].artists.items[1].id, "aa04");
    assert_string_equal(songs[0].artists.items[1].name, "Zed");
    assert_int_equal(songs[0].album_artists.n, 2);
    assert_string_equal(songs[0].album_artists.items[0].id, "aa03");
    assert_int_equal(songs[0].genres.n, 2);
    assert_string_equal(songs[0].genres.items[0].name, "Jazz");
    assert_string_equal(songs[0].genres.items[1].name, "Rock");
    assert_string_equal(songs[3].id, "c008");
    assert_int_equal(songs[3].genres.n, 2);
    assert_int_equal(songs[1].artists.n, 1); /* c001 has a song_artists row, c002 none */
    assert_int_equal(songs[2].artists.n, 0);
    assert_int_equal(songs[1].album_artists.n, 1);
    assert_ptr_equal(songs[1].album_artists.items, songs[2].album_artists.items);
    assert_string_equal(songs[2].album_artists.items[0].name, "The Beatles");
    assert_string_equal(songs[4].id, "c003");
    assert_string_equal(songs[4].album_artists.items[0].id, "aa02");
    assert_int_equal(songs[4].genres.n, 0);

    arena_free(a);
    db_release(c);
    db_close(db);
}

/* Per-library counts (migration 0019) as the scanner writes them, for scoped_counts_case(): the
 * stored artists' and genres' counts cover both libraries, an artist and a genre are in one. */
static const char *const counts_sql[] = {
    "INSERT INTO libraries (id, name, path, created_at) VALUES (2, 'Other', '/o', 0)",
    "INSERT INTO artist_library_counts (artist_id, library_id, album_count, song_count) VALUES"
    " ('aa01', 1, 2, 4), ('aa01', 2, 1, 2), ('aa02', 2, 1, 1), ('aa03', 1, 1, 1)",
    "INSERT INTO genre_library_counts (genre_id, library_id, song_count, album_count) VALUES"
    " ('dd01', 1, 5, 3), ('dd01', 2, 2, 1), ('dd02', 2, 2, 2)",
};

/* "id:first/second," per item of `items` (Artist: albums/songs; Genre: songs/albums). */
static void counts_text(const void *items, size_t n, bool genres, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char one[64];
        if (genres) {
            const Genre *g = &((const Genre *)items)[i];
            snprintf(one, sizeof(one), "%s:%lld/%lld,", g->id, (long long)g->song_count,
                     (long long)g->album_count);
        } else {
            const Artist *r = &((const Artist *)items)[i];
            snprintf(one, sizeof(one), "%s:%lld/%lld,", r->id, (long long)r->album_count,
                     (long long)r->song_count);
        }
        strncat(out, one, cap - strlen(out) - 1);
    }
}

/* Restricted scopes list the artists and genres of their libraries with the sums of their
 * per-library rows; unrestricted ones the stored counts. */
static void scoped_counts_case(const char *url, const char *dir)
{
    (void)dir;
    Db *db;
    DbConn *c = seeded(url, &db);
    for (size_t i = 0; i < sizeof(counts_sql) / sizeof(counts_sql[0]); i++)
        assert_int_equal(db_exec(c, counts_sql[i]), 0);
    Arena *a = arena_new(1 << 20);
    const int64_t lib1[] = {1}, lib2[] = {2}, both[] = {2, 1};
    const LibraryScope one = {.ids = lib1, .n = 1}, two = {.ids = lib2, .n = 1},
                       all_two = {.ids = both, .n = 2}, none = {.n = 0};
    const struct {
        const LibraryScope *scope;
        const char *artists, *genres;
    } cases[] = {
        {NULL, "aa02:1/1,aa01:3/6,aa03:1/1,aa04:2/0,", "dd02:2/2,dd01:7/4,"},
        {&one, "aa01:2/4,aa03:1/1,", "dd01:5/3,"},
        {&two, "aa02:1/1,aa01:1/2,", "dd02:2/2,dd01:2/1,"},
        {&all_two, "aa02:1/1,aa01:3/6,aa03:1/1,", "dd02:2/2,dd01:7/4,"},
        {&none, "", ""},
    };
    char got[256];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Artist *artists;
        Genre *genres;
        size_t n;
        const char *next;
        for (int limit = 1; limit <= 5; limit += 4) { /* by pages of 1, and in one */
            char all[256] = "";
            const char *cursor = NULL;
            do {
                assert_int_equal(library_browse_artists_scoped(c, a, cases[i].scope, cursor, limit,
                                                               &artists, &n, &next),
                                 0);
                counts_text(artists, n, false, got, sizeof(got));
                strncat(all, got, sizeof(all) - strlen(all) - 1);
                cursor = next;
            } while (cursor);
            assert_string_equal(all, cases[i].artists);
        }
        assert_int_equal(
            library_browse_genres_scoped(c, a, cases[i].scope, NULL, 10, &genres, &n, &next), 0);
        counts_text(genres, n, true, got, sizeof(got));
        assert_string_equal(got, cases[i].genres);
    }
    /* By id: repeats and unknown ids, in the caller's order, with the scope's counts. */
    const char *ids[] = {"aa03", "aa01", "aa02", "aa01", "aa99"};
    Artist *artists;
    size_t n;
    assert_int_equal(library_browse_artists_by_id_scoped(c, a, &one, ids, 5, &artists, &n), 0);
    counts_text(artists, n, false, got, sizeof(got));
    assert_string_equal(got, "aa03:1/1,aa01:2/4,aa01:2/4,");
    assert_int_equal(library_browse_artists_by_id_scoped(c, a, NULL, ids, 5, &artists, &n), 0);
    counts_text(artists, n, false, got, sizeof(got));
    assert_string_equal(got, "aa03:1/1,aa01:3/6,aa02:1/1,aa01:3/6,");
    Album *albums;
    Artist artist;
    assert_int_equal(library_browse_artist_scoped(c, a, &two, "aa01", &artist, &albums, &n), 0);
    assert_int_equal(artist.album_count, 1);
    assert_int_equal(artist.song_count, 2);
    assert_int_equal(library_browse_artist_scoped(c, a, &one, "aa02", &artist, &albums, &n),
                     -ENOENT);
    arena_free(a);
    db_release(c);
    db_close(db);
}

static void test_scoped_counts_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, scoped_counts_case);
}

static void test_scoped_counts_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, scoped_counts_case);
}

static void test_browse_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, browse_case);
}

static void test_browse_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, browse_case);
}

static void test_cursor(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 16);
    const char *parts[] = {"1969", "abbey road", "ab01"};
    const char *cur = library_cursor_pack(a, parts, 3);
    assert_non_null(cur);
    const char *got[3];
    assert_int_equal(library_cursor_unpack(a, cur, 3, got), 0);
    assert_string_equal(got[0], "1969");
    assert_string_equal(got[1], "abbey road");
    assert_string_equal(got[2], "ab01");
    assert_int_equal(library_cursor_unpack(a, cur, 2, got), ERR_PARSE);
    const char *empty[] = {"", "ab01"};
    assert_int_equal(library_cursor_unpack(a, library_cursor_pack(a, empty, 2), 2, got), 0);
    assert_string_equal(got[0], "");
    const char *bad_id[] = {"x", "AB01"};
    assert_int_equal(library_cursor_unpack(a, library_cursor_pack(a, bad_id, 2), 2, got),
                     ERR_PARSE);
    const char *sep[] = {"a\x1f", "ab"};
    assert_null(library_cursor_pack(a, sep, 2));
    int64_t v;
    assert_int_equal(library_cursor_int("-12", &v), 0);
    assert_int_equal(v, -12);
    assert_int_equal(library_cursor_int("1x", &v), ERR_PARSE);
    assert_true(library_cursor_id_valid("0123abcdef"));
    assert_false(library_cursor_id_valid(""));
    assert_false(library_cursor_id_valid("../x"));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_browse_sqlite),
        cmocka_unit_test(test_browse_postgres),
        cmocka_unit_test(test_cursor),
        cmocka_unit_test(test_scoped_counts_sqlite),
        cmocka_unit_test(test_scoped_counts_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
