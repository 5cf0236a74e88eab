/*
 * test_library_queue.c - now playing, the saved play queue and bookmarks on SQLite and
 * PostgreSQL: validation, per-user isolation (one user's calls never touch another's rows),
 * scope filtering on read, the queue limit, and bookmark paging.
 */
#include "core/err.h"
#include "core/limits.h"
#include "library/library_queue.h"

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

static void now_playing_part(DbConn *c, Arena *a)
{
    const LibraryScope *all = &personal_all;
    assert_int_equal(
        library_queue_now_playing_set(c, a, all, "u1", "phone", "c001", 10, "jumping", NOW),
        -EINVAL);
    assert_int_equal(
        library_queue_now_playing_set(c, a, all, "u1", "phone", "c001", -1, "playing", NOW),
        -EINVAL);
    assert_int_equal(library_queue_now_playing_set(c, a, all, "u1", "", "c001", 0, "playing", NOW),
                     -EINVAL);
    assert_int_equal(
        library_queue_now_playing_set(c, a, all, "u1", "phone", "ffff", 0, "playing", NOW),
        -ENOENT);
    assert_int_equal(library_queue_now_playing_set(c, a, &personal_only1, "u1", "phone", "c004", 0,
                                                   "playing", NOW),
                     -ENOENT);
    assert_int_equal(
        library_queue_now_playing_set(c, a, all, "u1", "phone", "c001", 10, "playing", NOW - 5), 0);
    assert_int_equal(
        library_queue_now_playing_set(c, a, all, "u1", "phone", "c002", 20, "paused", NOW - 4), 0);
    assert_int_equal(
        library_queue_now_playing_set(c, a, all, "u1", "desk", "c004", 30, "playing", NOW - 3), 0);
    assert_int_equal(
        library_queue_now_playing_set(c, a, all, "u2", "car", "c003", 40, "playing", NOW - 2), 0);
    assert_int_equal(library_queue_now_playing_set(c, a, all, "u2", "old", "c003", 0, "playing",
                                                   NOW - LIBRARY_QUEUE_NOW_PLAYING_TTL_S - 1),
                     0);

    NowPlaying *np;
    size_t n;
    assert_int_equal(library_queue_now_playing_list(c, a, all, "u1", false, NOW, &np, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(np[0].client, "desk");
    assert_string_equal(np[1].client, "phone");
    assert_string_equal(np[1].song_id, "c002");
    assert_string_equal(np[1].state, "paused");
    assert_int_equal(np[1].position_ms, 20);
    assert_string_equal(np[1].username, "alice");
    assert_int_equal(library_queue_now_playing_list(c, a, all, "u1", true, NOW, &np, &n), 0);
    assert_int_equal(n, 3); /* the stale entry is hidden */
    assert_string_equal(np[0].user_id, "u2");
    assert_int_equal(
        library_queue_now_playing_list(c, a, &personal_only1, "u1", true, NOW, &np, &n), 0);
    assert_int_equal(n, 2); /* c004 is outside library 1 */
    /* Stopping removes the device's entry only. */
    assert_int_equal(
        library_queue_now_playing_set(c, a, all, "u1", "desk", "c004", 0, "stopped", NOW), 0);
    assert_int_equal(library_queue_now_playing_list(c, a, all, "u1", false, NOW, &np, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(library_queue_now_playing_list(c, a, all, "u2", false, NOW, &np, &n), 0);
    assert_int_equal(n, 1);
}

static void queue_part(DbConn *c, Arena *a)
{
    const LibraryScope *all = &personal_all;
    PlayQueue q;
    assert_int_equal(library_queue_load(c, a, all, "u1", &q), 0);
    assert_int_equal(q.n, 0);
    assert_int_equal(q.changed_at, 0);

    const char *ids[] = {"c001", "c004", "c002", "c001", "c003"};
    assert_int_equal(library_queue_save(c, a, all, "u1", ids, 5, 5, 0, "web", NOW), -EINVAL);
    assert_int_equal(library_queue_save(c, a, all, "u1", ids, 5, -1, 0, "web", NOW), -EINVAL);
    assert_int_equal(library_queue_save(c, a, all, "u1", ids, 0, 1, 0, "web", NOW), -EINVAL);
    assert_int_equal(library_queue_save(c, a, all, "u1", ids, 5, 0, -5, "web", NOW), -EINVAL);
    const char *bad[] = {"c001", "ffff"};
    assert_int_equal(library_queue_save(c, a, all, "u1", bad, 2, 0, 0, "web", NOW), -ENOENT);
    const char *gone[] = {"c005"};
    assert_int_equal(library_queue_save(c, a, all, "u1", gone, 1, 0, 0, "web", NOW), -ENOENT);
    assert_int_equal(library_queue_save(c, a, &personal_only1, "u1", ids, 5, 0, 0, "web", NOW),
                     -ENOENT);
    assert_int_equal(
        library_queue_save(c, a, all, "u1", ids, LIMIT_QUEUE_ENTRIES + 1, 0, 0, "web", NOW),
        ERR_LIMIT);
    assert_int_equal(library_queue_load(c, a, all, "u1", &q), 0);
    assert_int_equal(q.n, 0); /* nothing saved by the refused calls */

    assert_int_equal(library_queue_save(c, a, all, "u1", ids, 5, 3, 1234, "web", NOW), 0);
    assert_int_equal(library_queue_load(c, a, all, "u1", &q), 0);
    assert_int_equal(q.n, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(q.song_ids[i], ids[i]);
    assert_int_equal(q.current_index, 3);
    assert_int_equal(q.position_ms, 1234);
    assert_int_equal(q.changed_at, NOW);
    assert_string_equal(q.changed_by, "web");
    /* A narrower scope hides c004; the current index follows its song. */
    assert_int_equal(library_queue_load(c, a, &personal_only1, "u1", &q), 0);
    assert_int_equal(q.n, 4);
    assert_int_equal(q.current_index, 2);
    assert_string_equal(q.song_ids[2], "c001");
    /* Another user's queue is untouched and separate. */
    assert_int_equal(library_queue_load(c, a, all, "u2", &q), 0);
    assert_int_equal(q.n, 0);
    const char *mine[] = {"c003"};
    assert_int_equal(library_queue_save(c, a, all, "u2", mine, 1, 0, 0, "car", NOW), 0);
    assert_int_equal(library_queue_load(c, a, all, "u1", &q), 0);
    assert_int_equal(q.n, 5);
    /* Replacing shrinks; an empty queue is allowed. */
    assert_int_equal(library_queue_save(c, a, all, "u1", ids, 2, 1, 0, "phone", NOW + 1), 0);
    assert_int_equal(library_queue_load(c, a, all, "u1", &q), 0);
    assert_int_equal(q.n, 2);
    assert_string_equal(q.changed_by, "phone");
    assert_int_equal(library_queue_save(c, a, all, "u1", NULL, 0, 0, 0, "phone", NOW + 2), 0);
    assert_int_equal(library_queue_load(c, a, all, "u1", &q), 0);
    assert_int_equal(q.n, 0);
    assert_int_equal(library_queue_load(c, a, all, "u2", &q), 0);
    assert_int_equal(q.n, 1);

    /* The limit itself is accepted. */
    const char **many = arena_calloc(a, LIMIT_QUEUE_ENTRIES, sizeof(*many));
    for (size_t i = 0; i < LIMIT_QUEUE_ENTRIES; i++)
        many[i] = i % 2 ? "c001" : "c002";
    assert_int_equal(library_queue_save(c, a, all, "u1", many, LIMIT_QUEUE_ENTRIES,
                                        LIMIT_QUEUE_ENTRIES - 1, 0, "web", NOW),
                     0);
    assert_int_equal(library_queue_load(c, a, all, "u1", &q), 0);
    assert_int_equal(q.n, LIMIT_QUEUE_ENTRIES);
    assert_int_equal(q.current_index, LIMIT_QUEUE_ENTRIES - 1);
}

static void bookmark_pages(DbConn *c, Arena *a, const LibraryScope *scope, const char *user,
                           int limit, char *out, size_t cap)
{
    out[0] = '\0';
    const char *cursor = NULL;
    for (int page = 0; page < 50; page++) {
        Bookmark *items;
        size_t n;
        const char *next;
        assert_int_equal(
            library_queue_bookmarks(c, a, scope, user, cursor, limit, &items, &n, &next), 0);
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

static void bookmark_part(DbConn *c, Arena *a)
{
    const LibraryScope *all = &personal_all;
    char got[256];
    char long_comment[LIMIT_BOOKMARK_COMMENT_BYTES + 2];
    memset(long_comment, 'x', sizeof(long_comment) - 1);
    long_comment[sizeof(long_comment) - 1] = '\0';
    assert_int_equal(library_queue_bookmark_set(c, a, all, "u1", "c001", -1, "", NOW), -EINVAL);
    assert_int_equal(library_queue_bookmark_set(c, a, all, "u1", "c001", 1, long_comment, NOW),
                     -EINVAL);
    assert_int_equal(library_queue_bookmark_set(c, a, all, "u1", "ffff", 1, "", NOW), -ENOENT);
    assert_int_equal(library_queue_bookmark_set(c, a, all, "u1", "c001", 100, "a", NOW), 0);
    assert_int_equal(library_queue_bookmark_set(c, a, all, "u1", "c002", 200, "b", NOW + 1), 0);
    assert_int_equal(library_queue_bookmark_set(c, a, all, "u1", "c004", 300, "c", NOW + 2), 0);
    assert_int_equal(library_queue_bookmark_set(c, a, all, "u2", "c001", 999, "bob", NOW + 3), 0);
    assert_int_equal(library_queue_bookmark_set(c, a, all, "u1", "c001", 150, "a2", NOW + 4), 0);
    for (int limit = 1; limit <= 4; limit++) {
        bookmark_pages(c, a, all, "u1", limit, got, sizeof(got));
        assert_string_equal(got, "c001,c004,c002,");
    }
    bookmark_pages(c, a, &personal_only1, "u1", 2, got, sizeof(got));
    assert_string_equal(got, "c001,c002,");
    Bookmark *items;
    size_t n;
    const char *next;
    assert_int_equal(library_queue_bookmarks(c, a, all, "u1", NULL, 1, &items, &n, &next), 0);
    assert_int_equal(items[0].position_ms, 150);
    assert_string_equal(items[0].comment, "a2");
    assert_int_equal(items[0].created_at, NOW);
    assert_int_equal(items[0].updated_at, NOW + 4);
    /* u2 deleting where it has no bookmark changes nothing of u1's. */
    assert_int_equal(library_queue_bookmark_delete(c, a, all, "u2", "c002"), -ENOENT);
    assert_int_equal(library_queue_bookmark_delete(c, a, all, "u2", "c001"), 0);
    assert_int_equal(library_queue_bookmark_delete(c, a, all, "u2", "c001"), -ENOENT);
    assert_int_equal(library_queue_bookmark_delete(c, a, all, "u2", "ffff"), -ENOENT);
    bookmark_pages(c, a, all, "u1", 10, got, sizeof(got));
    assert_string_equal(got, "c001,c004,c002,");
    bookmark_pages(c, a, all, "u2", 10, got, sizeof(got));
    assert_string_equal(got, "");
    assert_int_equal(library_queue_bookmark_delete(c, a, all, "u1", "c004"), 0);
    bookmark_pages(c, a, all, "u1", 10, got, sizeof(got));
    assert_string_equal(got, "c001,c002,");
    assert_int_equal(library_queue_bookmarks(c, a, all, "u1", "nope", 1, &items, &n, &next),
                     ERR_PARSE);
}

static void queue_case(const char *url, const char *dir)
{
    (void)dir;
    Db *db;
    DbConn *c;
    personal_seed(url, &db, &c);
    Arena *a = arena_new(8 << 20);
    now_playing_part(c, a);
    queue_part(c, a);
    bookmark_part(c, a);
    arena_free(a);
    db_release(c);
    db_close(db);
}

static void test_queue_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, queue_case);
}

static void test_queue_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, queue_case);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_sqlite),
        cmocka_unit_test(test_queue_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
