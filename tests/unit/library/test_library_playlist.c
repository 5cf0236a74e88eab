/*
 * test_library_playlist.c - playlists on SQLite and PostgreSQL: create, rename, delete;
 * add (end, position, duplicates), remove, move, reorder with dense positions and right
 * counts and durations; the entry limit leaving everything as it was; who may read and
 * write (owner, editor, public, private); M3U resolution inside the libraries only.
 */
#include "core/err.h"
#include "core/limits.h"
#include "library/library_m3u.h"
#include "library/library_playlist.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

static const char *const seed_sql[] = {
    "INSERT INTO libraries (id, name, path, created_at) VALUES (1, 'Music', '/srv/music', 0),"
    " (2, 'Books', '/srv/books', 0)",
    "INSERT INTO users (id, username, password_hash, is_admin, created_at, updated_at) VALUES"
    " ('aa', 'alice', 'x', 0, 0, 0), ('bb', 'bob', 'x', 0, 0, 0), ('cc', 'carol', 'x', 0, 0, 0)",
    "INSERT INTO songs (id, library_id, path, size, mtime, format, title, sort_title, artist,"
    " album, duration_ms, missing, created_at, updated_at) VALUES"
    " ('c001', 1, 'A/01.mp3', 1, 0, 'mp3', 'One', 'one', 'X', 'Y', 1000, 0, 0, 0),"
    " ('c002', 1, 'A/02.mp3', 1, 0, 'mp3', 'Two', 'two', 'X', 'Y', 2000, 0, 0, 0),"
    " ('c003', 1, 'B/03.mp3', 1, 0, 'mp3', 'Three', 'three', 'X', 'Y', 3000, 0, 0, 0),"
    " ('c004', 2, 'book.mp3', 1, 0, 'mp3', 'Book', 'book', 'X', 'Y', 4000, 0, 0, 0),"
    " ('c005', 1, 'gone.mp3', 1, 0, 'mp3', 'Gone', 'gone', 'X', 'Y', 5000, 1, 0, 0)",
};

static const PlaylistUser alice = {"aa", true, NULL, 0};
static const PlaylistUser bob = {"bb", true, NULL, 0};
static const int64_t only_music[] = {1};
static const PlaylistUser carol = {"cc", false, only_music, 1};

/* Writes the playlist's song ids "c001,c002," in position order and checks positions are
 * dense and the stored count and duration match. */
static void entries_of(DbConn *c, Arena *a, const char *id, char *out, size_t cap)
{
    PlaylistEntry *e;
    size_t n;
    bool more;
    out[0] = '\0';
    assert_int_equal(library_playlist_entries(c, a, id, -1, LIMIT_PAGE_MAX, &e, &n, &more), 0);
    int64_t dur = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(e[i].position, (int64_t)i);
        strncat(out, e[i].song_id, cap - strlen(out) - 2);
        strncat(out, ",", cap - strlen(out) - 1);
        dur += (e[i].song_id[3] - '0') * 1000;
    }
    Playlist p;
    assert_int_equal(library_playlist_get(c, a, id, &alice, &p), 0);
    assert_int_equal(p.song_count, (int64_t)n);
    assert_int_equal(p.duration_ms, dur);
}

static void playlist_case(const char *url, const char *dir)
{
    Db *db;
    assert_int_equal(db_open(url, 2, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    for (size_t i = 0; i < sizeof(seed_sql) / sizeof(seed_sql[0]); i++) {
        if (db_exec(c, seed_sql[i]) != 0)
            fail_msg("seed %zu: %s", i, db_errmsg(c));
    }
    Arena *a = arena_new(64 << 20);
    char got[512];

    /* Create with duplicates; bad names and unknown / missing songs are refused. */
    const char *ids3[] = {"c001", "c002", "c001"};
    const char *id;
    assert_int_equal(library_playlist_create(c, a, &alice, "Mix", "", false, ids3, 3, &id), 0);
    entries_of(c, a, id, got, sizeof(got));
    assert_string_equal(got, "c001,c002,c001,");
    assert_int_equal(library_playlist_create(c, a, &alice, "", "", false, NULL, 0, &id), -EINVAL);
    assert_int_equal(library_playlist_create(c, a, &alice, "a\nb", "", false, NULL, 0, &id),
                     -EINVAL);
    const char *gone[] = {"c005"};
    const char *pid;
    assert_int_equal(library_playlist_create(c, a, &alice, "X", "", false, gone, 1, &pid), -ENOENT);
    const char *book[] = {"c004"};
    assert_int_equal(library_playlist_create(c, a, &carol, "X", "", false, book, 1, &pid), -ENOENT);
    assert_int_equal(library_playlist_create(c, a, &alice, "Mix", "", false, ids3, 3, &pid), 0);
    id = pid;

    /* Add at the end and at a position. */
    const char *three[] = {"c003"};
    assert_int_equal(library_playlist_add(c, a, id, &alice, three, 1, -1), 0);
    assert_int_equal(library_playlist_add(c, a, id, &alice, book, 1, 0), 0);
    entries_of(c, a, id, got, sizeof(got));
    assert_string_equal(got, "c004,c001,c002,c001,c003,");
    assert_int_equal(library_playlist_add(c, a, id, &alice, book, 1, 6), -EINVAL);

    /* Remove (repeated and unordered positions), move both ways, reorder. */
    const int64_t rm[] = {3, 0, 3};
    assert_int_equal(library_playlist_remove(c, a, id, &alice, rm, 3), 0);
    entries_of(c, a, id, got, sizeof(got));
    assert_string_equal(got, "c001,c002,c003,");
    const int64_t bad_rm[] = {3};
    assert_int_equal(library_playlist_remove(c, a, id, &alice, bad_rm, 1), -EINVAL);
    assert_int_equal(library_playlist_move(c, a, id, &alice, 0, 2), 0);
    entries_of(c, a, id, got, sizeof(got));
    assert_string_equal(got, "c002,c003,c001,");
    assert_int_equal(library_playlist_move(c, a, id, &alice, 2, 0), 0);
    entries_of(c, a, id, got, sizeof(got));
    assert_string_equal(got, "c001,c002,c003,");
    assert_int_equal(library_playlist_move(c, a, id, &alice, 0, 3), -EINVAL);
    const int64_t order[] = {2, 0, 1};
    assert_int_equal(library_playlist_reorder(c, a, id, &alice, order, 3), 0);
    entries_of(c, a, id, got, sizeof(got));
    assert_string_equal(got, "c003,c001,c002,");
    const int64_t not_perm[] = {0, 0, 1};
    assert_int_equal(library_playlist_reorder(c, a, id, &alice, not_perm, 3), -EINVAL);
    assert_int_equal(library_playlist_reorder(c, a, id, &alice, order, 2), -EINVAL);

    /* Access: bob cannot see a private playlist; public is read-only to him. */
    Playlist p;
    assert_int_equal(library_playlist_get(c, a, id, &bob, &p), -ENOENT);
    assert_int_equal(library_playlist_add(c, a, id, &bob, three, 1, -1), -ENOENT);
    assert_int_equal(library_playlist_delete(c, a, id, &bob, &pid), -ENOENT);
    PlaylistChanges ch = {.name = "Renamed"};
    assert_int_equal(library_playlist_update(c, id, &bob, &ch), -ENOENT);
    bool yes = true;
    PlaylistChanges pub = {.is_public = &yes, .comment = "hello"};
    assert_int_equal(library_playlist_update(c, id, &alice, &pub), 0);
    assert_int_equal(library_playlist_get(c, a, id, &bob, &p), 0);
    assert_int_equal(p.access, PLAYLIST_ACCESS_READ);
    assert_string_equal(p.comment, "hello");
    assert_int_equal(library_playlist_add(c, a, id, &bob, three, 1, -1), ERR_FORBIDDEN);
    assert_int_equal(library_playlist_remove(c, a, id, &bob, bad_rm, 0), ERR_FORBIDDEN);
    assert_int_equal(library_playlist_update(c, id, &bob, &ch), ERR_FORBIDDEN);
    assert_int_equal(library_playlist_delete(c, a, id, &bob, &pid), ERR_FORBIDDEN);

    /* Editors change entries, but not the playlist itself. */
    const char *eds[] = {"bb", "aa", "bb"};
    assert_int_equal(library_playlist_set_editors(c, id, &bob, eds, 1, false), ERR_FORBIDDEN);
    assert_int_equal(library_playlist_set_editors(c, id, &alice, eds, 3, false), 0);
    LibraryRef *refs;
    size_t n_refs;
    assert_int_equal(library_playlist_editors(c, a, id, &refs, &n_refs), 0);
    assert_int_equal(n_refs, 1);
    assert_string_equal(refs[0].name, "bob");
    const char *nobody[] = {"zz"};
    assert_int_equal(library_playlist_set_editors(c, id, &alice, nobody, 1, false), -EINVAL);
    assert_int_equal(library_playlist_editors(c, a, id, &refs, &n_refs), 0);
    assert_int_equal(n_refs, 1); /* the failed change left the editors as they were */
    const char *names[] = {"carol", "bob"};
    assert_int_equal(library_playlist_set_editors(c, id, &alice, names, 2, true), 0);
    assert_int_equal(library_playlist_editors(c, a, id, &refs, &n_refs), 0);
    assert_int_equal(n_refs, 2);
    assert_string_equal(refs[0].name, "bob");
    assert_string_equal(refs[1].name, "carol");
    assert_int_equal(library_playlist_add(c, a, id, &bob, three, 1, -1), 0);
    assert_int_equal(library_playlist_update(c, id, &bob, &ch), ERR_FORBIDDEN);
    assert_int_equal(library_playlist_delete(c, a, id, &bob, &pid), ERR_FORBIDDEN);
    assert_int_equal(library_playlist_set_image(c, id, &bob, "x.jpg"), ERR_FORBIDDEN);
    assert_int_equal(library_playlist_update(c, id, &alice, &ch), 0);

    /* Lists: bob sees alice's public playlist; not a private one. */
    const char *priv;
    assert_int_equal(library_playlist_create(c, a, &alice, "Secret", "", false, NULL, 0, &priv), 0);
    Playlist *items;
    size_t n;
    const char *next;
    assert_int_equal(library_playlist_list(c, a, &bob, NULL, 10, &items, &n, &next), 0);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].name, "Renamed");
    got[0] = '\0';
    next = NULL;
    for (int page = 0; page < 10; page++) {
        assert_int_equal(library_playlist_list(c, a, &alice, next, 1, &items, &n, &next), 0);
        assert_int_equal(n, 1);
        strncat(got, items[0].name, sizeof(got) - strlen(got) - 2);
        strncat(got, ",", sizeof(got) - strlen(got) - 1);
        if (!next)
            break;
    }
    assert_string_equal(got, "Mix,Renamed,Secret,");
    assert_int_equal(library_playlist_list(c, a, &alice, "bad", 1, &items, &n, &next), ERR_PARSE);

    /* The entry limit: past it, nothing changes. */
    size_t big = LIMIT_PLAYLIST_ENTRIES;
    const char **many = malloc(big * sizeof(*many));
    for (size_t i = 0; i < big; i++)
        many[i] = (i % 2) ? "c001" : "c002";
    assert_int_equal(library_playlist_get(c, a, id, &alice, &p), 0);
    int64_t before = p.song_count;
    assert_int_equal(library_playlist_add(c, a, id, &alice, many, big - (size_t)before + 1, -1),
                     ERR_LIMIT);
    assert_int_equal(library_playlist_get(c, a, id, &alice, &p), 0);
    assert_int_equal(p.song_count, before);
    assert_int_equal(library_playlist_add(c, a, id, &alice, many, big - (size_t)before, 0), 0);
    assert_int_equal(library_playlist_get(c, a, id, &alice, &p), 0);
    assert_int_equal(p.song_count, LIMIT_PLAYLIST_ENTRIES);
    const int64_t last[] = {LIMIT_PLAYLIST_ENTRIES - 1, 0};
    assert_int_equal(library_playlist_remove(c, a, id, &alice, last, 2), 0);
    assert_int_equal(library_playlist_get(c, a, id, &alice, &p), 0);
    assert_int_equal(p.song_count, LIMIT_PLAYLIST_ENTRIES - 2);
    PlaylistEntry *e;
    bool more;
    assert_int_equal(library_playlist_entries(c, a, id, 9990, 100, &e, &n, &more), 0);
    assert_int_equal(n, 7);
    assert_int_equal(e[6].position, LIMIT_PLAYLIST_ENTRIES - 3);
    free(many);

    /* M3U resolution: inside libraries only. */
    const char *text = "#EXTM3U\nA/01.mp3\n/srv/music/B/../A/02.mp3\nfile:///srv/books/book.mp3\n"
                       "../../etc/passwd\n/etc/passwd\n/srv/musicx/A/01.mp3\nA/nope.mp3\n"
                       "http://x/y\n/srv/music/../books/book.mp3\n";
    M3u m;
    assert_int_equal(library_m3u_parse(a, text, strlen(text), &m), 0);
    PlaylistMatch *mt;
    assert_int_equal(library_playlist_resolve(c, a, &alice, &m, &mt), 0);
    assert_int_equal(m.n, 9);
    assert_int_equal(mt[0].kind, PLAYLIST_MATCH_OK);
    assert_string_equal(mt[0].song_id, "c001");
    assert_int_equal(mt[1].kind, PLAYLIST_MATCH_OK);
    assert_string_equal(mt[1].song_id, "c002");
    assert_int_equal(mt[2].kind, PLAYLIST_MATCH_OK);
    assert_string_equal(mt[2].song_id, "c004");
    assert_int_equal(mt[3].kind, PLAYLIST_MATCH_OUTSIDE);
    assert_int_equal(mt[4].kind, PLAYLIST_MATCH_OUTSIDE);
    assert_int_equal(mt[5].kind, PLAYLIST_MATCH_OUTSIDE);
    assert_int_equal(mt[6].kind, PLAYLIST_MATCH_NOT_FOUND);
    assert_int_equal(mt[7].kind, PLAYLIST_MATCH_URL);
    assert_int_equal(mt[8].kind, PLAYLIST_MATCH_OK); /* normalised into the other library */
    assert_int_equal(library_playlist_resolve(c, a, &carol, &m, &mt), 0);
    assert_int_equal(mt[2].kind, PLAYLIST_MATCH_OUTSIDE); /* carol cannot see Books */

    /* The uploaded cover: the owner's only, kept under the data dir, read back within a
     * limit. */
    char file[512];
    snprintf(file, sizeof(file), "%s/playlists/%s.jpg", dir, id);
    assert_int_equal(library_playlist_image_store(c, dir, id, &bob, "JPEG", 4), ERR_FORBIDDEN);
    assert_int_equal(access(file, F_OK), -1); /* nothing written for bob */
    assert_int_equal(library_playlist_image_store(c, dir, id, &alice, "JPEG", 4), 0);
    assert_int_equal(access(file, F_OK), 0);
    assert_int_equal(library_playlist_get(c, a, id, &alice, &p), 0);
    void *img_data;
    size_t img_len;
    assert_int_equal(library_playlist_image_read(a, dir, &p, 4, &img_data, &img_len), 0);
    assert_int_equal(img_len, 4);
    assert_memory_equal(img_data, "JPEG", 4);
    assert_int_equal(library_playlist_image_read(a, dir, &p, 3, &img_data, &img_len), ERR_LIMIT);

    /* Delete: owner only; entries, editors and the cover file go with it. */
    assert_int_equal(library_playlist_destroy(c, a, dir, id, &bob), ERR_FORBIDDEN);
    assert_int_equal(access(file, F_OK), 0);
    assert_int_equal(library_playlist_destroy(c, a, dir, id, &alice), 0);
    assert_int_equal(access(file, F_OK), -1);
    assert_int_equal(library_playlist_image_read(a, dir, &p, 4, &img_data, &img_len), -ENOENT);
    assert_int_equal(library_playlist_get(c, a, id, &alice, &p), -ENOENT);
    assert_int_equal(library_playlist_get(c, a, "not-hex'", &alice, &p), -ENOENT);

    arena_free(a);
    db_release(c);
    db_close(db);
}

static void test_playlist_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, playlist_case);
}

static void test_playlist_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, playlist_case);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_playlist_sqlite),
        cmocka_unit_test(test_playlist_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
