/*
 * test_library_scan.c - the scanner on a generated folder tree, on SQLite and PostgreSQL:
 * first scan, no-change rescan, changed file, removed file, hidden and ignored folders,
 * unreadable files, stable ids, keyset paging, cursors.
 */
#include "core/err.h"
#include "library/library_scan.h"
#include "library/library_song.h"
#include "media/media_probe.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

static void mk(const char *dir, const char *rel)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void wav(const char *dir, const char *rel, const char *title, const char *artist,
                const char *album, const char *track)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    const char *info[] = {"INAM", title, "IART", artist, "IPRD", album, "IPRT", track, NULL};
    testutil_write_wav(p, 0.2, info);
}

static int64_t count_songs(Db *db, const char *where)
{
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM songs WHERE %s", where);
    DbStmt *st;
    assert_int_equal(db_prepare(c, sql, &st), 0);
    assert_int_equal(db_step(st), DB_ROW);
    int64_t n = db_column_int64(st, 0);
    db_finalize(st);
    db_release(c);
    return n;
}

typedef struct Errors {
    int count;
} Errors;

static void on_error(void *ctx, const char *path, int err)
{
    (void)path;
    (void)err;
    ((Errors *)ctx)->count++;
}

static void scan_case(const char *url, const char *dir)
{
    media_init();
    char music[1024];
    snprintf(music, sizeof(music), "%s/music", dir);
    assert_int_equal(mkdir(music, 0755), 0);
    mk(music, "The Band");
    mk(music, "The Band/First");
    wav(music, "The Band/First/01 a.wav", "Zebra", "The Band", "First", "1");
    wav(music, "The Band/First/02 b.wav", "apple", "The Band", "First", "2");
    wav(music, "The Band/First/03 c.wav", "The Mango", "The Band", "First", "3");
    mk(music, "Other");
    wav(music, "Other/x y 'z' %.wav", "Banana", "Other", "Solo", "1");
    wav(music, "Other/untitled.wav", "", "", "", "");
    char p[2048];
    snprintf(p, sizeof(p), "%s/Other/broken.mp3", music);
    testutil_write_file(p, "garbage", 7);
    snprintf(p, sizeof(p), "%s/Other/cover.jpg", music);
    testutil_write_file(p, "not scanned", 11);
    mk(music, ".hidden");
    wav(music, ".hidden/h.wav", "Hidden", "H", "H", "1");
    mk(music, "Ignored");
    wav(music, "Ignored/i.wav", "Ignored", "I", "I", "1");
    snprintf(p, sizeof(p), "%s/Ignored/.swazignore", music);
    testutil_write_file(p, "", 0);

    Db *db;
    assert_int_equal(db_open(url, 4, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    LibraryFolder folders[] = {{"music", music}, {"gone", "/nonexistent/swaz-folder"}};
    Errors errs = {0};
    LibraryScanObserver obs = {on_error, NULL, &errs};
    LibraryScanStats st;

    assert_int_equal(library_scan(db, folders, 2, NULL, &obs, NULL, &st), 0);
    assert_int_equal(st.seen, 6);
    assert_int_equal(st.added, 5);
    assert_int_equal(st.errors, 2); /* broken.mp3 and the missing folder */
    assert_int_equal(errs.count, 2);
    assert_int_equal(count_songs(db, "missing = 0"), 5);
    assert_int_equal(count_songs(db, "title = 'untitled'"), 1);

    /* Keyset paging: sort_title order ignoring "The", every song once. */
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    Arena *a = arena_new(1 << 20);
    const char *cursor = NULL;
    char order[256] = "";
    char first_id[64] = "";
    for (int page = 0; page < 10; page++) {
        Song *songs;
        size_t n;
        const char *next;
        assert_int_equal(library_song_list(c, a, cursor, 2, &songs, &n, &next), 0);
        for (size_t i = 0; i < n; i++) {
            strncat(order, songs[i].title, sizeof(order) - strlen(order) - 2);
            strncat(order, ",", sizeof(order) - strlen(order) - 1);
            if (!first_id[0])
                snprintf(first_id, sizeof(first_id), "%s", songs[i].id);
        }
        if (!next)
            break;
        cursor = next;
    }
    assert_string_equal(order, "apple,Banana,The Mango,untitled,Zebra,");
    Song s;
    assert_int_equal(library_song_get(c, a, first_id, &s), 0);
    assert_string_equal(s.title, "apple");
    assert_string_equal(s.album, "First");
    assert_string_equal(s.format, "wav");
    assert_int_equal(s.track, 2);
    assert_non_null(strstr(s.full_path, "/The Band/First/02 b.wav"));
    assert_int_equal(library_song_get(c, a, "../../etc/passwd", &s), -ENOENT);
    assert_int_equal(library_song_get(c, a, "' OR 1=1 --", &s), -ENOENT);
    assert_int_equal(library_song_get(c, a, "abcdef", &s), -ENOENT);
    Song *songs;
    size_t n;
    const char *next;
    assert_int_equal(library_song_list(c, a, "!!!", 2, &songs, &n, &next), ERR_PARSE);
    assert_int_equal(library_song_list(c, a, "YWJj", 2, &songs, &n, &next), ERR_PARSE);
    assert_int_equal(library_song_list(c, a, NULL, 0, &songs, &n, &next), -EINVAL);
    assert_int_equal(library_song_list(c, a, NULL, 501, &songs, &n, &next), -EINVAL);
    db_release(c);

    /* A no-change rescan reads nothing and keeps ids. */
    assert_int_equal(library_scan(db, folders, 1, NULL, NULL, NULL, &st), 0);
    assert_int_equal(st.unchanged, 5);
    assert_int_equal(st.added + st.updated + st.missing, 0);

    /* A changed file is re-read; a removed one is marked missing and disappears. */
    wav(music, "The Band/First/01 a.wav", "Zebra Two", "The Band", "First", "1");
    snprintf(p, sizeof(p), "%s/Other/untitled.wav", music);
    assert_int_equal(unlink(p), 0);
    assert_int_equal(library_scan(db, folders, 1, NULL, NULL, NULL, &st), 0);
    assert_int_equal(st.updated, 1);
    assert_int_equal(st.missing, 1);
    assert_int_equal(count_songs(db, "missing = 0"), 4);
    assert_int_equal(count_songs(db, "title = 'Zebra Two'"), 1);
    assert_int_equal(db_acquire(db, &c), 0);
    assert_int_equal(library_song_get(c, a, first_id, &s), 0);
    db_release(c);

    /* Cancelling stops at once and reports it. */
    atomic_bool cancel = true;
    assert_int_equal(library_scan(db, folders, 1, NULL, NULL, &cancel, &st), -ECANCELED);
    arena_free(a);
    db_close(db);
}

static void test_scan_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, scan_case);
}

static void test_scan_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, scan_case);
}

static void test_ids_and_sort_keys(void **state)
{
    (void)state;
    char a[LIBRARY_ID_LEN + 1], b[LIBRARY_ID_LEN + 1], c[LIBRARY_ID_LEN + 1];
    const char *p1[] = {"1", "a/b"};
    const char *p2[] = {"1a", "/b"};
    library_id("song", p1, 2, a);
    library_id("song", p1, 2, b);
    library_id("song", p2, 2, c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c); /* parts are delimited */
    assert_int_equal(strlen(a), LIBRARY_ID_LEN);
    Arena *ar = arena_new(4096);
    assert_string_equal(library_sort_key(ar, "The Beatles"), "beatles");
    assert_string_equal(library_sort_key(ar, "The"), "the");
    assert_string_equal(library_sort_key(ar, "Théâtre"), "théâtre");
    const char *cur = library_cursor_encode(ar, "key\x01", "abc123");
    const char *k, *id;
    assert_int_equal(library_cursor_decode(ar, cur, &k, &id), 0);
    assert_string_equal(k, "key\x01");
    assert_string_equal(id, "abc123");
    arena_free(ar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_sqlite),
        cmocka_unit_test(test_scan_postgres),
        cmocka_unit_test(test_ids_and_sort_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
