/*
 * test_library_annotate.c - stars and ratings on SQLite and PostgreSQL: visibility (unknown,
 * missing, malformed ids and libraries outside the scope are "not found"), idempotent
 * starring, rating bounds and removal, newest-first paging of favourites through every page
 * exactly once, per-user isolation, the starred / highest album lists, and the digests of a
 * user's annotations.
 */
#include "core/err.h"
#include "library/library_annotate.h"
#include "library/library_history.h"
#include "library/library_browse.h"

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

/* Pages through u's stars of `kind` with `limit`, writing "id,id,..." into out. */
static void star_pages(DbConn *c, Arena *a, const LibraryScope *scope, const char *user,
                       AnnotateKind kind, int limit, char *out, size_t cap)
{
    out[0] = '\0';
    const char *cursor = NULL;
    for (int page = 0; page < 50; page++) {
        StarEntry *items;
        size_t n;
        const char *next;
        assert_int_equal(
            library_annotate_stars(c, a, scope, user, kind, cursor, limit, &items, &n, &next), 0);
        assert_true(n <= (size_t)limit);
        for (size_t i = 0; i < n; i++) {
            strncat(out, items[i].item_id, cap - strlen(out) - 2);
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
            break;
        cursor = next;
    }
    /* paging by offset skips the user's rows and gives the same list */
    char by_offset[256] = "";
    for (int64_t offset = 0; offset < 50; offset += limit) {
        Album *items;
        size_t n;
        const char *next;
        assert_int_equal(library_browse_albums_at(c, a, &q, offset, limit, &items, &n, &next), 0);
        for (size_t i = 0; i < n; i++) {
            strncat(by_offset, items[i].id, sizeof(by_offset) - strlen(by_offset) - 2);
            strncat(by_offset, ",", sizeof(by_offset) - strlen(by_offset) - 1);
        }
        if (n < (size_t)limit) {
            assert_string_equal(by_offset, out);
            return;
        }
    }
    fail_msg("paging did not end");
}

static void annotate_case(const char *url, const char *dir)
{
    (void)dir;
    Db *db;
    DbConn *c;
    personal_seed(url, &db, &c);
    Arena *a = arena_new(8 << 20);
    char got[512];

    /* Kinds. */
    AnnotateKind k;
    assert_int_equal(library_annotate_kind("album", &k), 0);
    assert_int_equal(k, ANNOTATE_ALBUM);
    assert_int_equal(library_annotate_kind("playlist", &k), -EINVAL);
    assert_int_equal(library_annotate_kind(NULL, &k), -EINVAL);

    /* Visibility. */
    assert_int_equal(library_annotate_visible(c, a, &personal_all, ANNOTATE_SONG, "c001"), 0);
    assert_int_equal(library_annotate_visible(c, a, NULL, ANNOTATE_SONG, "c004"), 0);
    assert_int_equal(library_annotate_visible(c, a, &personal_all, ANNOTATE_SONG, "c005"),
                     -ENOENT); /* missing */
    assert_int_equal(library_annotate_visible(c, a, &personal_all, ANNOTATE_SONG, "ffff"), -ENOENT);
    assert_int_equal(library_annotate_visible(c, a, &personal_all, ANNOTATE_SONG, "../x"), -ENOENT);
    assert_int_equal(library_annotate_visible(c, a, &personal_all, ANNOTATE_SONG, "ab01"),
                     -ENOENT); /* an album id is no song */
    assert_int_equal(library_annotate_visible(c, a, &personal_only1, ANNOTATE_SONG, "c004"),
                     -ENOENT);
    assert_int_equal(library_annotate_visible(c, a, &personal_only1, ANNOTATE_ALBUM, "ab01"), 0);
    assert_int_equal(library_annotate_visible(c, a, &personal_only1, ANNOTATE_ALBUM, "ab03"),
                     -ENOENT);
    assert_int_equal(library_annotate_visible(c, a, &personal_only1, ANNOTATE_ARTIST, "aa01"), 0);
    assert_int_equal(library_annotate_visible(c, a, &personal_only1, ANNOTATE_ARTIST, "aa02"),
                     -ENOENT);
    assert_int_equal(library_annotate_visible(c, a, &personal_none, ANNOTATE_ARTIST, "aa01"),
                     -ENOENT);
    assert_int_equal(library_annotate_visible(c, a, &personal_all, ANNOTATE_ARTIST, "aa02"), 0);

    /* Stars: unknown and out-of-scope items are refused; starring twice keeps the time. */
    assert_int_equal(library_annotate_star(c, a, &personal_all, "u1", ANNOTATE_SONG, "ffff", 10),
                     -ENOENT);
    assert_int_equal(library_annotate_star(c, a, &personal_only1, "u1", ANNOTATE_SONG, "c004", 10),
                     -ENOENT);
    const char *songs[] = {"c001", "c002", "c003", "c004"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(
            library_annotate_star(c, a, &personal_all, "u1", ANNOTATE_SONG, songs[i], 100), 0);
    assert_int_equal(library_annotate_star(c, a, &personal_all, "u1", ANNOTATE_SONG, "c003", 500),
                     0);
    int64_t at;
    int rating;
    assert_int_equal(
        library_annotate_get(c, a, &personal_all, "u1", ANNOTATE_SONG, "c003", &at, &rating), 0);
    assert_int_equal(at, 100);
    assert_int_equal(rating, 0);

    /* Newest first; equal times by id descending; every page size sees each once. */
    assert_int_equal(library_annotate_star(c, a, &personal_all, "u1", ANNOTATE_SONG, "c002", 0), 0);
    assert_int_equal(library_annotate_unstar(c, a, &personal_all, "u1", ANNOTATE_SONG, "c002"), 0);
    assert_int_equal(library_annotate_star(c, a, &personal_all, "u1", ANNOTATE_SONG, "c002", 200),
                     0);
    for (int limit = 1; limit <= 5; limit++) {
        star_pages(c, a, &personal_all, "u1", ANNOTATE_SONG, limit, got, sizeof(got));
        assert_string_equal(got, "c002,c004,c003,c001,");
    }
    /* A narrower scope hides c004; another user sees nothing of u1's. */
    star_pages(c, a, &personal_only1, "u1", ANNOTATE_SONG, 2, got, sizeof(got));
    assert_string_equal(got, "c002,c003,c001,");
    star_pages(c, a, &personal_all, "u2", ANNOTATE_SONG, 2, got, sizeof(got));
    assert_string_equal(got, "");
    /* Unstarring an unstarred item is fine; unstarring an unknown one is not. */
    assert_int_equal(library_annotate_unstar(c, a, &personal_all, "u2", ANNOTATE_SONG, "c001"), 0);
    assert_int_equal(library_annotate_unstar(c, a, &personal_all, "u2", ANNOTATE_SONG, "9999"),
                     -ENOENT);
    star_pages(c, a, &personal_all, "u1", ANNOTATE_SONG, 3, got, sizeof(got));
    assert_string_equal(got, "c002,c004,c003,c001,");
    StarEntry *items;
    size_t n;
    const char *next;
    assert_int_equal(library_annotate_stars(c, a, &personal_all, "u1", ANNOTATE_SONG, "garbage", 2,
                                            &items, &n, &next),
                     ERR_PARSE);
    assert_int_equal(library_annotate_stars(c, a, &personal_all, "u1", ANNOTATE_SONG, NULL, 0,
                                            &items, &n, &next),
                     -EINVAL);

    /* Albums and artists. */
    assert_int_equal(library_annotate_star(c, a, &personal_all, "u1", ANNOTATE_ALBUM, "ab02", 10),
                     0);
    assert_int_equal(library_annotate_star(c, a, &personal_all, "u1", ANNOTATE_ALBUM, "ab01", 20),
                     0);
    assert_int_equal(library_annotate_star(c, a, &personal_all, "u2", ANNOTATE_ALBUM, "ab03", 30),
                     0);
    assert_int_equal(library_annotate_star(c, a, &personal_all, "u1", ANNOTATE_ARTIST, "aa02", 5),
                     0);
    star_pages(c, a, &personal_all, "u1", ANNOTATE_ALBUM, 1, got, sizeof(got));
    assert_string_equal(got, "ab01,ab02,");
    star_pages(c, a, &personal_all, "u1", ANNOTATE_ARTIST, 1, got, sizeof(got));
    assert_string_equal(got, "aa02,");
    star_pages(c, a, &personal_only1, "u1", ANNOTATE_ARTIST, 1, got, sizeof(got));
    assert_string_equal(got, "");
    for (int limit = 1; limit <= 3; limit++) {
        album_list(c, a, LIBRARY_ALBUMS_STARRED, "u1", limit, got, sizeof(got));
        assert_string_equal(got, "ab01,ab02,");
    }
    album_list(c, a, LIBRARY_ALBUMS_STARRED, "u2", 1, got, sizeof(got));
    assert_string_equal(got, "ab03,");
    {
        /* A user limited to library 1 does not see album ab03 (library 2) in the list. */
        AlbumQuery sq = {.list = LIBRARY_ALBUMS_STARRED, .user_id = "u2", .scope = &personal_only1};
        Album *scoped;
        size_t ns;
        const char *snext;
        assert_int_equal(library_browse_albums(c, a, &sq, NULL, 10, &scoped, &ns, &snext), 0);
        assert_int_equal(ns, 0);
        sq.user_id = "u1";
        assert_int_equal(library_browse_albums(c, a, &sq, NULL, 1, &scoped, &ns, &snext), 0);
        assert_int_equal(ns, 1);
        assert_non_null(snext);
        assert_int_equal(library_browse_albums(c, a, &sq, snext, 1, &scoped, &ns, &snext), 0);
        assert_int_equal(ns, 1);
        assert_string_equal(scoped[0].id, "ab02");
    }

    /* Ratings: 1..5, 0 removes, anything else is refused. */
    assert_int_equal(library_annotate_rate(c, a, &personal_all, "u1", ANNOTATE_ALBUM, "ab01", 6, 1),
                     -EINVAL);
    assert_int_equal(
        library_annotate_rate(c, a, &personal_all, "u1", ANNOTATE_ALBUM, "ab01", -1, 1), -EINVAL);
    assert_int_equal(library_annotate_rate(c, a, &personal_all, "u1", ANNOTATE_ALBUM, "ffff", 3, 1),
                     -ENOENT);
    assert_int_equal(library_annotate_rate(c, a, &personal_all, "u1", ANNOTATE_ALBUM, "ab01", 3, 1),
                     0);
    assert_int_equal(library_annotate_rate(c, a, &personal_all, "u1", ANNOTATE_ALBUM, "ab02", 5, 1),
                     0);
    assert_int_equal(library_annotate_rate(c, a, &personal_all, "u1", ANNOTATE_ALBUM, "ab03", 4, 1),
                     0);
    assert_int_equal(library_annotate_rate(c, a, &personal_all, "u1", ANNOTATE_ALBUM, "ab01", 2, 2),
                     0);
    assert_int_equal(
        library_annotate_get(c, a, &personal_all, "u1", ANNOTATE_ALBUM, "ab01", &at, &rating), 0);
    assert_int_equal(rating, 2);
    assert_int_equal(at, 20);
    for (int limit = 1; limit <= 4; limit++) {
        album_list(c, a, LIBRARY_ALBUMS_HIGHEST, "u1", limit, got, sizeof(got));
        assert_string_equal(got, "ab02,ab03,ab01,");
    }
    assert_int_equal(library_annotate_rate(c, a, &personal_all, "u1", ANNOTATE_ALBUM, "ab03", 0, 3),
                     0);
    album_list(c, a, LIBRARY_ALBUMS_HIGHEST, "u1", 2, got, sizeof(got));
    assert_string_equal(got, "ab02,ab01,");
    album_list(c, a, LIBRARY_ALBUMS_HIGHEST, "u2", 2, got, sizeof(got));
    assert_string_equal(got, "");
    assert_int_equal(
        library_annotate_get(c, a, &personal_all, "u2", ANNOTATE_ALBUM, "ab02", &at, &rating), 0);
    assert_int_equal(rating, 0);

    /* What a user set, for a batch of ids (more than one query's worth, unknown ids too). */
    const char *batch[300];
    AnnotateUserData data[300];
    for (int i = 0; i < 300; i++)
        batch[i] = "ffff";
    batch[0] = "ab02";
    batch[299] = "ab01";
    assert_int_equal(library_annotate_user_data(c, a, "u1", ANNOTATE_ALBUM, batch, 300, data), 0);
    assert_int_equal(data[0].starred_at, 10);
    assert_int_equal(data[0].rating, 5);
    assert_int_equal(data[299].starred_at, 20);
    assert_int_equal(data[299].rating, 2);
    assert_int_equal(data[150].starred_at, 0);
    assert_int_equal(data[150].rating, 0);
    assert_int_equal(data[0].play_count, 0);
    assert_int_equal(library_annotate_user_data(c, a, "u2", ANNOTATE_ALBUM, batch, 300, data), 0);
    assert_int_equal(data[0].rating, 0);
    assert_int_equal(data[299].starred_at, 0);
    bool recorded;
    assert_int_equal(library_history_scrobble(c, NULL, a, &personal_all, "u1", "c001", 1000, "test",
                                              1000, &recorded),
                     0);
    const char *songs2[] = {"c001", "ffff", "c001"};
    assert_int_equal(library_annotate_user_data(c, a, "u1", ANNOTATE_SONG, songs2, 3, data), 0);
    assert_int_equal(data[0].play_count, 1);
    assert_int_equal(data[0].last_played_at, 1000);
    assert_int_equal(data[2].play_count, 1);
    assert_int_equal(data[1].play_count, 0);
    assert_int_equal(library_annotate_user_data(c, a, "u1", ANNOTATE_SONG, songs2, 0, data), 0);
    /* an album's plays are those of its songs together */
    assert_int_equal(library_annotate_user_data(c, a, "u1", ANNOTATE_ALBUM, batch, 300, data), 0);
    assert_int_equal(data[299].play_count, 1); /* ab01 holds c001 */
    assert_int_equal(data[299].last_played_at, 1000);
    assert_int_equal(data[299].rating, 2);
    assert_int_equal(data[0].play_count, 0);
    const char *artist[] = {"aa01"};
    assert_int_equal(library_annotate_user_data(c, a, "u1", ANNOTATE_ARTIST, artist, 1, data), 0);
    assert_int_equal(data[0].play_count, 0);

    /* Digests: equal for equal annotations (none at all, for any user), moved by a star, a
     * rating and a star's time, back when they are undone. */
    unsigned char none[LIBRARY_ANNOTATE_DIGEST_BYTES], d1[LIBRARY_ANNOTATE_DIGEST_BYTES],
        d2[LIBRARY_ANNOTATE_DIGEST_BYTES];
    assert_int_equal(library_annotate_digest(c, "nobody", ANNOTATE_ARTIST, none), 0);
    assert_int_equal(library_annotate_digest(c, "u2", ANNOTATE_ARTIST, d1), 0);
    assert_memory_equal(d1, none, sizeof(none));
    assert_int_equal(library_annotate_digest(c, "u1", ANNOTATE_ALBUM, d1), 0);
    assert_int_equal(library_annotate_digest(c, "u2", ANNOTATE_ALBUM, d2), 0);
    assert_memory_not_equal(d1, d2, sizeof(d1));
    unsigned char songs_before[LIBRARY_ANNOTATE_DIGEST_BYTES];
    assert_int_equal(library_annotate_digest(c, "u2", ANNOTATE_SONG, songs_before), 0);
    assert_int_equal(library_annotate_star(c, a, &personal_all, "u2", ANNOTATE_ARTIST, "aa01", 7),
                     0);
    assert_int_equal(library_annotate_digest(c, "u2", ANNOTATE_ARTIST, d1), 0);
    assert_memory_not_equal(d1, none, sizeof(none));
    assert_int_equal(library_annotate_digest(c, "u2", ANNOTATE_SONG, d2), 0);
    assert_memory_equal(d2, songs_before, sizeof(d2)); /* another kind is another digest */
    assert_int_equal(library_annotate_unstar(c, a, &personal_all, "u2", ANNOTATE_ARTIST, "aa01"),
                     0);
    assert_int_equal(library_annotate_star(c, a, &personal_all, "u2", ANNOTATE_ARTIST, "aa01", 8),
                     0);
    assert_int_equal(library_annotate_digest(c, "u2", ANNOTATE_ARTIST, d2), 0);
    assert_memory_not_equal(d1, d2, sizeof(d1));
    assert_int_equal(library_annotate_unstar(c, a, &personal_all, "u2", ANNOTATE_ARTIST, "aa01"),
                     0);
    assert_int_equal(
        library_annotate_rate(c, a, &personal_all, "u2", ANNOTATE_ARTIST, "aa01", 3, 9), 0);
    assert_int_equal(library_annotate_digest(c, "u2", ANNOTATE_ARTIST, d1), 0);
    assert_memory_not_equal(d1, none, sizeof(none));
    assert_int_equal(
        library_annotate_rate(c, a, &personal_all, "u2", ANNOTATE_ARTIST, "aa01", 4, 9), 0);
    assert_int_equal(library_annotate_digest(c, "u2", ANNOTATE_ARTIST, d2), 0);
    assert_memory_not_equal(d1, d2, sizeof(d1));
    assert_int_equal(
        library_annotate_rate(c, a, &personal_all, "u2", ANNOTATE_ARTIST, "aa01", 0, 9), 0);
    assert_int_equal(library_annotate_digest(c, "u2", ANNOTATE_ARTIST, d1), 0);
    assert_memory_equal(d1, none, sizeof(none));

    /* A per-user list without a user is a caller error. */
    AlbumQuery q = {.list = LIBRARY_ALBUMS_STARRED};
    Album *albums;
    assert_int_equal(library_browse_albums(c, a, &q, NULL, 10, &albums, &n, &next), -EINVAL);

    arena_free(a);
    db_release(c);
    db_close(db);
}

static void test_annotate_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, annotate_case);
}

static void test_annotate_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, annotate_case);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_annotate_sqlite),
        cmocka_unit_test(test_annotate_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
