/*
 * test_library_radio.c - internet radio stations on SQLite and PostgreSQL: URL and name
 * checks, create / list by name / update / delete, unknown ids, the station limit.
 */
#include "core/err.h"
#include "core/limits.h"
#include "library/library_radio.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#define NOW 1700000000

static void radio_case(const char *url, const char *dir)
{
    (void)dir;
    Db *db;
    assert_int_equal(db_open(url, 2, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    Arena *a = arena_new(64 << 20);

    RadioStation *items;
    size_t n;
    assert_int_equal(library_radio_list(c, a, &items, &n), 0);
    assert_int_equal(n, 0);

    const char *id1, *id2, *id3;
    assert_int_equal(library_radio_create(c, a, "Zebra FM", "https://zebra.example/live",
                                          "https://zebra.example/", NOW, &id1),
                     0);
    assert_int_equal(
        library_radio_create(c, a, "Alpha Radio", "http://alpha.example:8000/mp3", NULL, NOW, &id2),
        0);
    assert_string_not_equal(id1, id2);
    /* Bad fields change nothing. */
    assert_int_equal(library_radio_create(c, a, "Bad", "ftp://x.example/", NULL, NOW, &id3),
                     -EINVAL);
    assert_int_equal(library_radio_create(c, a, "", "http://x.example/", NULL, NOW, &id3), -EINVAL);
    assert_int_equal(
        library_radio_create(c, a, "Bad", "http://x.example/", "javascript:alert(1)", NOW, &id3),
        -EINVAL);

    assert_int_equal(library_radio_list(c, a, &items, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].name, "Alpha Radio");
    assert_string_equal(items[0].home_page_url, "");
    assert_string_equal(items[1].name, "Zebra FM");
    assert_string_equal(items[1].stream_url, "https://zebra.example/live");
    assert_string_equal(items[1].home_page_url, "https://zebra.example/");

    assert_int_equal(
        library_radio_update(c, id1, "Aardvark FM", "https://aardvark.example/s", "", NOW + 1), 0);
    assert_int_equal(library_radio_update(c, id1, "Aardvark FM", "rtsp://x.example/", "", NOW),
                     -EINVAL);
    assert_int_equal(library_radio_update(c, "nosuchid", "Name", "https://x.example/", NULL, NOW),
                     -ENOENT);
    assert_int_equal(library_radio_list(c, a, &items, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].id, id1);
    assert_string_equal(items[0].name, "Aardvark FM");
    assert_string_equal(items[0].stream_url, "https://aardvark.example/s");
    assert_string_equal(items[0].home_page_url, "");

    assert_int_equal(library_radio_delete(c, id1), 0);
    assert_int_equal(library_radio_delete(c, id1), -ENOENT);
    assert_int_equal(library_radio_list(c, a, &items, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].id, id2);

    /* The limit: fill up, then one more is refused and nothing is lost. */
    assert_int_equal(db_begin_write(c), 0);
    for (int i = 1; i < LIMIT_RADIO_STATIONS; i++) {
        char sql[256];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO radio_stations (id, name, stream_url, created_at, updated_at)"
                 " VALUES ('fill%d', 'Fill %05d', 'http://fill.example/', 0, 0)",
                 i, i);
        assert_int_equal(db_exec(c, sql), 0);
    }
    assert_int_equal(db_commit(c), 0);
    assert_int_equal(
        library_radio_create(c, a, "One too many", "http://x.example/", NULL, NOW, &id3),
        ERR_LIMIT);
    assert_int_equal(library_radio_list(c, a, &items, &n), 0);
    assert_int_equal(n, LIMIT_RADIO_STATIONS);
    assert_string_equal(items[0].id, id2);

    arena_free(a);
    db_release(c);
    db_close(db);
}

static void test_radio_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, radio_case);
}

static void test_radio_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, radio_case);
}

static void test_radio_validation(void **state)
{
    (void)state;
    assert_true(library_radio_url_valid("http://a.example"));
    assert_true(library_radio_url_valid("HTTPS://a.example:8443/stream?x=1"));
    assert_true(library_radio_url_valid("https://[::1]:8000/"));
    assert_false(library_radio_url_valid(NULL));
    assert_false(library_radio_url_valid(""));
    assert_false(library_radio_url_valid("http://"));
    assert_false(library_radio_url_valid("http:///path"));
    assert_false(library_radio_url_valid("file:///etc/passwd"));
    assert_false(library_radio_url_valid("javascript:alert(1)"));
    assert_false(library_radio_url_valid("http://a.example/with space"));
    assert_false(library_radio_url_valid("http://a.example/\n"));
    assert_false(library_radio_url_valid("http://a.example/\xff"));
    char long_url[LIMIT_RADIO_URL_BYTES + 2];
    memcpy(long_url, "http://", 7);
    memset(long_url + 7, 'a', sizeof(long_url) - 8);
    long_url[sizeof(long_url) - 1] = '\0';
    assert_false(library_radio_url_valid(long_url));
    long_url[sizeof(long_url) - 2] = '\0';
    assert_true(library_radio_url_valid(long_url));

    assert_true(library_radio_name_valid("Radio Café"));
    assert_false(library_radio_name_valid(""));
    assert_false(library_radio_name_valid("tab\there"));
    char long_name[LIMIT_RADIO_NAME_BYTES + 2];
    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_false(library_radio_name_valid(long_name));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_radio_sqlite),
        cmocka_unit_test(test_radio_postgres),
        cmocka_unit_test(test_radio_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
