/*
 * test_library_history.c - plays and play counts on SQLite and PostgreSQL: recording,
 * duplicate suppression, future and unknown songs refused, newest-first paging, per-user
 * isolation and scope, the recent / frequent album lists (counted on the album a song had
 * when played), and popular songs overall and per artist with the cache (in-process, and
 * Redis when SWAZ_TEST_REDIS_URL is set) seeing every new play at once.
 */
#include "cache/cache_kv.h"
#include "cache/redis_client.h"
#include "core/err.h"
#include "core/limits.h"
#include "library/library_browse.h"
#include "library/library_history.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "personal_seed.h"
#include "testutil.h"

#define NOW 1700000000

static void history_pages(DbConn *c, Arena *a, const LibraryScope *scope, const char *user,
                          int limit, char *out, size_t cap)
{
    out[0] = '\0';
    const char *cursor = NULL;
    for (int page = 0; page < 50; page++) {
        PlayEntry *items;
        size_t n;
        const char *next;
        assert_int_equal(library_history_list(c, a, scope, user, cursor, limit, &items, &n, &next),
                         0);
        for (size_t i = 0; i < n; i++) {
            strncat(out, items[i].song_id, cap - strlen(out) - 2);
            strncat(out, ",", cap - strlen(out) - 1);
        }
        if (!next)
            return;
        assert_int_equal(n, limit);
        cursor = next;
    }
    fail_msg("paging did not end");
}

static void album_list(DbConn *c, Arena *a, LibraryAlbumList list, const char *user, int limit,
                       char *out, size_t cap)
{
    AlbumQuery q = {.list = list, .user_id = user};
    out[0] = '\0';
    const char *cursor = NULL;
    for (int page = 0; page < 50; page++) {
        Album *items;
        size_t n;
        const char *next;
        assert_int_equal(library_browse_albums(c, a, &q, cursor, limit, &items, &n, &next), 0);
        for (size_t i = 0; i < n; i++) {
            strncat(out, items[i].id, cap - strlen(out) - 2);
            strncat(out, ",", cap - strlen(out) - 1);
        }
        if (!next)
            return;
        cursor = next;
    }
    fail_msg("paging did not end");
}

static void popular(DbConn *c, CacheKv *cache, Arena *a, const char *artist, char *out, size_t cap)
{
    PopularEntry *items;
    size_t n;
    assert_int_equal(library_history_popular(c, cache, a, artist, NOW, &items, &n), 0);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char one[64];
        snprintf(one, sizeof(one), "%s=%lld,", items[i].song_id, (long long)items[i].plays);
        strncat(out, one, cap - strlen(out) - 1);
    }
}

static void play(DbConn *c, CacheKv *cache, Arena *a, const char *user, const char *song,
                 int64_t at, bool expect_recorded)
{
    bool recorded = !expect_recorded;
    assert_int_equal(library_history_scrobble(c, cache, a, &personal_all, user, song, at, "test",
                                              NOW, &recorded),
                     0);
    assert_int_equal(recorded, expect_recorded);
}

static void history_run(const char *url, CacheKv *cache)
{
    Db *db;
    DbConn *c;
    personal_seed(url, &db, &c);
    Arena *a = arena_new(8 << 20);
    char got[1024];
    bool rec;

    /* Refused: unknown, missing or out-of-scope songs, the future, long client names. */
    assert_int_equal(
        library_history_scrobble(c, cache, a, &personal_all, "u1", "ffff", NOW, "", NOW, &rec),
        -ENOENT);
    assert_int_equal(
        library_history_scrobble(c, cache, a, &personal_all, "u1", "c005", NOW, "", NOW, &rec),
        -ENOENT);
    assert_int_equal(
        library_history_scrobble(c, cache, a, &personal_only1, "u1", "c004", NOW, "", NOW, &rec),
        -ENOENT);
    assert_int_equal(library_history_scrobble(c, cache, a, &personal_all, "u1", "c001",
                                              NOW + LIBRARY_HISTORY_FUTURE_S + 1, "", NOW, &rec),
                     -EINVAL);
    assert_int_equal(
        library_history_scrobble(c, cache, a, &personal_all, "u1", "c001", -1, "", NOW, &rec),
        -EINVAL);
    char long_client[LIMIT_CLIENT_NAME_BYTES + 2];
    memset(long_client, 'x', sizeof(long_client) - 1);
    long_client[sizeof(long_client) - 1] = '\0';
    assert_int_equal(library_history_scrobble(c, cache, a, &personal_all, "u1", "c001", NOW,
                                              long_client, NOW, &rec),
                     -EINVAL);

    popular(c, cache, a, NULL, got, sizeof(got));
    assert_string_equal(got, "");

    /* u1: c001 twice (plus a duplicate), c003 once, c004 once; u2: c002 three times. */
    play(c, cache, a, "u1", "c001", NOW - 1000, true);
    play(c, cache, a, "u1", "c001", NOW - 995, false); /* within the duplicate window */
    play(c, cache, a, "u1", "c001", NOW - 500, true);
    play(c, cache, a, "u1", "c003", NOW - 400, true);
    play(c, cache, a, "u1", "c004", NOW - 300, true);
    play(c, cache, a, "u2", "c002", NOW - 900, true);
    play(c, cache, a, "u2", "c002", NOW - 800, true);
    play(c, cache, a, "u2", "c002", NOW - 700, true);
    play(c, cache, a, "u2", "c001", NOW - 600, true); /* u2 may play what u1 did */

    for (int limit = 1; limit <= 5; limit++) {
        history_pages(c, a, &personal_all, "u1", limit, got, sizeof(got));
        assert_string_equal(got, "c004,c003,c001,c001,");
    }
    history_pages(c, a, &personal_only1, "u1", 2, got, sizeof(got));
    assert_string_equal(got, "c003,c001,c001,");
    history_pages(c, a, &personal_all, "u2", 2, got, sizeof(got));
    assert_string_equal(got, "c001,c002,c002,c002,");
    PlayEntry *items;
    size_t n;
    const char *next;
    assert_int_equal(library_history_list(c, a, &personal_all, "u1", "bad!", 2, &items, &n, &next),
                     ERR_PARSE);

    int64_t count, last;
    assert_int_equal(library_history_count(c, a, &personal_all, "u1", "c001", &count, &last), 0);
    assert_int_equal(count, 2);
    assert_int_equal(last, NOW - 500);
    assert_int_equal(library_history_count(c, a, &personal_all, "u2", "c003", &count, &last), 0);
    assert_int_equal(count, 0);
    assert_int_equal(last, 0);
    assert_int_equal(library_history_count(c, a, &personal_all, "u2", "ffff", &count, &last),
                     -ENOENT);
    /* A late submission of an older play counts but does not move last_played_at back. */
    play(c, cache, a, "u1", "c001", NOW - 5000, true);
    assert_int_equal(library_history_count(c, a, &personal_all, "u1", "c001", &count, &last), 0);
    assert_int_equal(count, 3);
    assert_int_equal(last, NOW - 500);

    /* Album lists from the user's plays. */
    album_list(c, a, LIBRARY_ALBUMS_RECENT, "u1", 1, got, sizeof(got));
    assert_string_equal(got, "ab03,ab02,ab01,");
    album_list(c, a, LIBRARY_ALBUMS_FREQUENT, "u1", 2, got, sizeof(got));
    assert_string_equal(got, "ab01,ab03,ab02,");
    album_list(c, a, LIBRARY_ALBUMS_FREQUENT, "u2", 1, got, sizeof(got));
    assert_string_equal(got, "ab01,");

    /* Popular: every user's plays; served from the cache, yet a new play shows at once. */
    popular(c, cache, a, NULL, got, sizeof(got));
    assert_string_equal(got, "c001=4,c002=3,c003=1,c004=1,");
    popular(c, cache, a, NULL, got, sizeof(got));
    assert_string_equal(got, "c001=4,c002=3,c003=1,c004=1,");
    popular(c, cache, a, "aa02", got, sizeof(got));
    assert_string_equal(got, "c004=1,");
    popular(c, cache, a, "aa01", got, sizeof(got));
    assert_string_equal(got, "c001=4,c002=3,c003=1,c004=1,"); /* c004 has aa01 as a song artist */
    popular(c, cache, a, "ffff", got, sizeof(got));
    assert_string_equal(got, "");
    play(c, cache, a, "u2", "c004", NOW - 100, true);
    play(c, cache, a, "u1", "c004", NOW - 50, true);
    play(c, cache, a, "u2", "c004", NOW - 10, true);
    play(c, cache, a, "u1", "c004", NOW - 1, true);
    popular(c, cache, a, NULL, got, sizeof(got));
    assert_string_equal(got, "c004=5,c001=4,c002=3,c003=1,");
    popular(c, cache, a, "aa02", got, sizeof(got));
    assert_string_equal(got, "c004=5,");
    /* Plays older than the window do not count. */
    play(c, cache, a, "u2", "c003", NOW - (int64_t)LIBRARY_HISTORY_POPULAR_DAYS * 86400 - 10, true);
    popular(c, cache, a, NULL, got, sizeof(got));
    assert_string_equal(got, "c004=5,c001=4,c002=3,c003=1,");

    /* A song moved to another album: its past plays stay with the album they were counted
     * on, its next play counts on the new one; an album removed takes its counts along. */
    album_list(c, a, LIBRARY_ALBUMS_FREQUENT, "u1", 2, got, sizeof(got));
    assert_string_equal(got, "ab03,ab01,ab02,"); /* 3, 3 and 1 plays */
    assert_int_equal(db_exec(c, "UPDATE songs SET album_id = 'ab01' WHERE id = 'c003'"), 0);
    play(c, cache, a, "u1", "c003", NOW - 2, true);
    album_list(c, a, LIBRARY_ALBUMS_FREQUENT, "u1", 2, got, sizeof(got));
    assert_string_equal(got, "ab01,ab03,ab02,");
    album_list(c, a, LIBRARY_ALBUMS_RECENT, "u1", 2, got, sizeof(got));
    assert_string_equal(got, "ab03,ab01,ab02,");
    assert_int_equal(db_exec(c, "DELETE FROM albums WHERE id = 'ab02'"), 0);
    album_list(c, a, LIBRARY_ALBUMS_RECENT, "u1", 1, got, sizeof(got));
    assert_string_equal(got, "ab03,ab01,");

    arena_free(a);
    db_release(c);
    db_close(db);
}

static void history_case(const char *url, const char *dir)
{
    (void)dir;
    history_run(url, NULL);
}

static void history_cached_case(const char *url, const char *dir)
{
    (void)dir;
    CacheKv *cache = cache_kv_new(NULL, NULL);
    assert_non_null(cache);
    history_run(url, cache);
    cache_kv_free(cache);
}

static void history_redis_case(const char *url, const char *dir)
{
    (void)dir;
    const char *redis_url = getenv("SWAZ_TEST_REDIS_URL"); /* checked by the caller */
    RedisClient *redis;
    assert_int_equal(redis_client_open(redis_url, &redis), 0);
    CacheKv *cache = cache_kv_new(redis, NULL);
    assert_non_null(cache);
    /* Other runs share the server: start from a version nobody used. */
    for (int i = 0; i < 3; i++) {
        int64_t v;
        assert_int_equal(cache_kv_bump(cache, LIBRARY_HISTORY_POPULAR_VERSION, &v), 0);
    }
    history_run(url, cache);
    cache_kv_free(cache);
    redis_client_close(redis);
}

static void test_history_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, history_case);
    testutil_on_backend(TESTUTIL_SQLITE, history_cached_case);
}

static void test_history_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, history_case);
    testutil_on_backend(TESTUTIL_POSTGRES, history_cached_case);
}

static void test_history_redis(void **state)
{
    (void)state;
    /* Skip before testutil_on_backend(): a skip inside it would jump past its cleanup. */
    const char *redis_url = getenv("SWAZ_TEST_REDIS_URL");
    if (!redis_url || !*redis_url) {
        print_message("# SWAZ_TEST_REDIS_URL is not set: case skipped\n");
        skip();
    }
    testutil_on_backend(TESTUTIL_SQLITE, history_redis_case);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_sqlite),
        cmocka_unit_test(test_history_postgres),
        cmocka_unit_test(test_history_redis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
