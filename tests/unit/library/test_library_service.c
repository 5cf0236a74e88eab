/*
 * test_library_service.c - the scan service: merging of queued folders, the status after a
 * scan (counts, recent errors, times) on SQLite and PostgreSQL, stop while scanning, and
 * scheduled scans.
 */
#include "core/err.h"
#include "library/library_service.h"
#include "media/media_probe.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

/* snprintf that fails the test on truncation. */
__attribute__((format(printf, 3, 4))) static void fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, size, f, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < size);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void wav(const char *dir, const char *rel, const char *title)
{
    char p[1024];
    fmt(p, sizeof(p), "%s/%s", dir, rel);
    const char *info[] = {"INAM", title, "IART", "Artist", "IPRD", "Album", NULL};
    testutil_write_wav(p, 0.1, info);
}

static Db *open_db(const char *url)
{
    Db *db;
    assert_int_equal(db_open(url, 4, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    return db;
}

/* Waits up to `ms` for `scans` finished scans; returns the status. */
static LibraryServiceStatus *wait_scans(LibraryService *svc, int64_t scans, long ms)
{
    LibraryServiceStatus *st = malloc(sizeof(*st));
    assert_non_null(st);
    for (long waited = 0;; waited += 10) {
        library_service_status(svc, st);
        if (st->scans >= scans || waited >= ms)
            return st;
        sleep_ms(10);
    }
}

static void test_merging(void **state)
{
    (void)state;
    char *dir = testutil_tmpdir();
    char url[TESTUTIL_URL_BYTES];
    assert_int_equal(testutil_db_url(dir, TESTUTIL_SQLITE, url), 0);
    Db *db = open_db(url);
    char music[1024];
    fmt(music, sizeof(music), "%s/music", dir);
    assert_int_equal(mkdir(music, 0755), 0);
    LibraryFolder folder = {"music", music};
    LibraryService *svc;
    assert_int_equal(library_service_new(db, &folder, 1, NULL, 0, &svc), 0);
    library_service_pause(svc, true);

    char a[1100], ab[1100], c[1100], outside[1100];
    fmt(a, sizeof(a), "%s/a", music);
    fmt(ab, sizeof(ab), "%s/a/b", music);
    fmt(c, sizeof(c), "%s/c", music);
    fmt(outside, sizeof(outside), "%s-other/x", music);
    const char *p1[] = {ab, c};
    assert_int_equal(library_service_request_paths(svc, p1, 2), 0);
    LibraryServiceStatus *st = malloc(sizeof(*st));
    library_service_status(svc, st);
    assert_int_equal(st->pending_paths, 2);
    assert_false(st->pending_full);
    const char *p2[] = {ab, a}; /* a covers a/b */
    assert_int_equal(library_service_request_paths(svc, p2, 2), 0);
    library_service_status(svc, st);
    assert_int_equal(st->pending_paths, 2);

    /* Invalid paths: nothing queued. */
    const char *bad[][1] = {{"relative/x"}, {outside}, {"/"}, {a}};
    char dots[1100];
    fmt(dots, sizeof(dots), "%s/../etc", music);
    bad[3][0] = dots;
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(library_service_request_paths(svc, bad[i], 1), -EINVAL);
    library_service_status(svc, st);
    assert_int_equal(st->pending_paths, 2);

    /* Past LIMIT_SCAN_PENDING_PATHS distinct folders the request becomes a full scan. */
    for (int i = 0; i <= LIMIT_SCAN_PENDING_PATHS; i++) {
        char p[1100];
        fmt(p, sizeof(p), "%s/d%d", music, i);
        const char *one[] = {p};
        assert_int_equal(library_service_request_paths(svc, one, 1), 0);
    }
    library_service_status(svc, st);
    assert_true(st->pending_full);
    assert_int_equal(st->pending_paths, 0);
    assert_int_equal(st->state, LIBRARY_SERVICE_IDLE);
    assert_int_equal(st->result, LIBRARY_SERVICE_RESULT_NONE);

    /* Unpaused: one full scan runs the whole queue. */
    library_service_pause(svc, false);
    free(st);
    st = wait_scans(svc, 1, 10000);
    assert_int_equal(st->scans, 1);
    assert_true(st->full);
    assert_int_equal(st->result, LIBRARY_SERVICE_RESULT_OK);
    assert_false(st->pending_full);

    library_service_free(svc);
    free(st);
    db_close(db);
    testutil_rmrf(dir);
    free(dir);
}

static void status_case(const char *url, const char *dir)
{
    Db *db = open_db(url);
    char music[1024];
    fmt(music, sizeof(music), "%s/music", dir);
    assert_int_equal(mkdir(music, 0755), 0);
    wav(music, "one.wav", "One");
    wav(music, "two.wav", "Two");
    char bad[1100];
    fmt(bad, sizeof(bad), "%s/broken.wav", music);
    testutil_write_file(bad, "RIFF not really a wav file", 26);

    LibraryFolder folder = {"music", music};
    LibraryService *svc;
    assert_int_equal(library_service_new(db, &folder, 1, NULL, 0, &svc), 0);
    LibraryServiceStatus *st = wait_scans(svc, 0, 0);
    assert_int_equal(st->state, LIBRARY_SERVICE_IDLE);
    assert_int_equal(st->scans, 0);
    assert_string_equal(library_service_state_name(st->state), "idle");
    assert_null(library_service_result_name(st->result));
    free(st);

    assert_int_equal(library_service_request_full(svc), 0);
    st = wait_scans(svc, 1, 20000);
    assert_int_equal(st->scans, 1);
    assert_int_equal(st->state, LIBRARY_SERVICE_IDLE);
    assert_int_equal(st->result, LIBRARY_SERVICE_RESULT_OK);
    assert_string_equal(library_service_result_name(st->result), "ok");
    assert_int_equal(st->stats.added, 2);
    assert_true(st->stats.errors >= 1);
    assert_true(st->n_errors >= 1);
    bool found = false;
    for (size_t i = 0; i < st->n_errors; i++)
        found |= strcmp(st->errors[i].path, bad) == 0 && st->errors[i].err < 0;
    assert_true(found);
    assert_true(st->started_at_ms > 0);
    assert_true(st->finished_at_ms >= st->started_at_ms);
    assert_true(st->files_per_second >= 0.0);

    /* A partial scan of the music folder itself: nothing new. */
    const char *paths[] = {music};
    assert_int_equal(library_service_request_paths(svc, paths, 1), 0);
    free(st);
    st = wait_scans(svc, 2, 20000);
    assert_int_equal(st->scans, 2);
    assert_false(st->full);
    assert_int_equal(st->stats.added, 0);

    DbConn *conn;
    int64_t n = -1;
    assert_int_equal(db_acquire(db, &conn), 0);
    assert_int_equal(library_service_error_count(conn, &n), 0);
    db_release(conn);
    assert_true(n >= 0);

    library_service_free(svc);
    free(st);
    db_close(db);
}

static void test_status_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, status_case);
}

static void test_status_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, status_case);
}

static void test_stop_while_scanning(void **state)
{
    (void)state;
    char *dir = testutil_tmpdir();
    char url[TESTUTIL_URL_BYTES];
    assert_int_equal(testutil_db_url(dir, TESTUTIL_SQLITE, url), 0);
    Db *db = open_db(url);
    char music[1024];
    fmt(music, sizeof(music), "%s/music", dir);
    assert_int_equal(mkdir(music, 0755), 0);
    for (int i = 0; i < 150; i++) {
        char rel[64];
        fmt(rel, sizeof(rel), "song%03d.wav", i);
        wav(music, rel, rel);
    }
    LibraryFolder folder = {"music", music};
    LibraryService *svc;
    assert_int_equal(library_service_new(db, &folder, 1, NULL, 0, &svc), 0);
    assert_int_equal(library_service_request_full(svc), 0);
    assert_int_equal(library_service_request_full(svc), 0); /* queued behind it, dropped */
    LibraryServiceStatus *st = malloc(sizeof(*st));
    for (int i = 0; i < 2000; i++) {
        library_service_status(svc, st);
        if (st->state == LIBRARY_SERVICE_SCANNING)
            break;
        sleep_ms(1);
    }
    assert_int_equal(st->state, LIBRARY_SERVICE_SCANNING);
    library_service_stop(svc);
    library_service_status(svc, st);
    assert_int_equal(st->state, LIBRARY_SERVICE_IDLE);
    assert_int_equal(st->scans, 1);
    assert_true(st->result == LIBRARY_SERVICE_RESULT_CANCELLED ||
                st->result == LIBRARY_SERVICE_RESULT_OK);
    assert_false(st->pending_full);
    assert_int_equal(library_service_request_full(svc), -ECANCELED);
    const char *paths[] = {music};
    assert_int_equal(library_service_request_paths(svc, paths, 1), -ECANCELED);
    library_service_stop(svc); /* idempotent */
    library_service_free(svc);
    library_service_free(NULL);
    free(st);
    db_close(db);
    testutil_rmrf(dir);
    free(dir);
}

static void test_scheduled(void **state)
{
    (void)state;
    char *dir = testutil_tmpdir();
    char url[TESTUTIL_URL_BYTES];
    assert_int_equal(testutil_db_url(dir, TESTUTIL_SQLITE, url), 0);
    Db *db = open_db(url);
    char music[1024];
    fmt(music, sizeof(music), "%s/music", dir);
    assert_int_equal(mkdir(music, 0755), 0);
    wav(music, "one.wav", "One");
    LibraryFolder folder = {"music", music};
    LibraryService *svc;
    assert_int_equal(library_service_new(db, &folder, 1, NULL, 1, &svc), 0);
    LibraryServiceStatus *st = wait_scans(svc, 0, 0);
    assert_int_equal(st->scans, 0); /* nothing before the first interval */
    free(st);
    st = wait_scans(svc, 2, 5000);
    assert_true(st->scans >= 2);
    assert_true(st->full);
    assert_int_equal(st->result, LIBRARY_SERVICE_RESULT_OK);
    library_service_free(svc);
    free(st);
    db_close(db);
    testutil_rmrf(dir);
    free(dir);
}

int main(void)
{
    media_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merging),         cmocka_unit_test(test_status_sqlite),
        cmocka_unit_test(test_status_postgres), cmocka_unit_test(test_stop_while_scanning),
        cmocka_unit_test(test_scheduled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
