/*
 * test_library_names.c - the table of artist and genre names: hits copy what was put for the
 * same stamp and kind, a newer stamp empties it and an older one is ignored, the bound holds
 * under many more ids than slots, threads share it; and, on SQLite and PostgreSQL, the
 * related rows of songs name their artists from it until the library generation moves, as it
 * does when another pool (another process) renames an artist in a write transaction; inside
 * a transaction the names are read from the database.
 */
#include "core/arena.h"
#include "core/limits.h"
#include "library/library_names.h"
#include "library/library_song.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

/* Runs library_names_get() on one id; returns its name or NULL. */
static const char *names_lookup(LibraryNames *names, Arena *a, int64_t stamp, unsigned kind,
                                const char *id, const char **ret_sort)
{
    LibraryName v = {id, NULL, NULL};
    int r = library_names_get(names, a, stamp, kind, &v, 1);
    assert_true(r == 0 || r == 1);
    assert_true((r == 1) == (v.name != NULL));
    if (ret_sort)
        *ret_sort = v.sort;
    return v.name;
}

static void test_hits(void **state)
{
    (void)state;
    LibraryNames *names = library_names_new(64);
    Arena *a = arena_new(1 << 16);
    assert_non_null(names);
    assert_null(names_lookup(names, a, 1, 0, "ar1", NULL)); /* empty */
    LibraryName put[] = {{"ar1", "Alpha", NULL}, {"ar2", "Beta", "beta"}, {"ar3", NULL, NULL}};
    library_names_put(names, 1, 0, put, 3);
    assert_int_equal(library_names_count(names), 2); /* no name: not kept */
    const char *sort;
    assert_string_equal(names_lookup(names, a, 1, 0, "ar1", &sort), "Alpha");
    assert_string_equal(sort, "");
    assert_string_equal(names_lookup(names, a, 1, 0, "ar2", &sort), "Beta");
    assert_string_equal(sort, "beta");
    assert_null(names_lookup(names, a, 1, 0, "ar3", NULL));
    assert_null(names_lookup(names, a, 1, 1, "ar1", NULL)); /* another kind */
    assert_null(names_lookup(names, a, 1, LIBRARY_NAMES_KINDS, "ar1", NULL));
    /* Several at once: found ones filled, the others left as they were. */
    LibraryName v[] = {{"ar2", NULL, NULL}, {"zz", NULL, NULL}, {"ar1", NULL, NULL}};
    assert_int_equal(library_names_get(names, a, 1, 0, v, 3), 2);
    assert_string_equal(v[0].name, "Beta");
    assert_null(v[1].name);
    assert_string_equal(v[2].name, "Alpha");
    /* Putting an id again replaces its name. */
    LibraryName again = {"ar1", "Alpha II", "alpha ii"};
    library_names_put(names, 1, 0, &again, 1);
    assert_int_equal(library_names_count(names), 2);
    assert_string_equal(names_lookup(names, a, 1, 0, "ar1", &sort), "Alpha II");
    assert_string_equal(sort, "alpha ii");
    /* Too long for LIMIT_NAMES_CACHE_TEXT_BYTES: never kept. */
    char *long_name = calloc(1, LIMIT_NAMES_CACHE_TEXT_BYTES);
    memset(long_name, 'x', LIMIT_NAMES_CACHE_TEXT_BYTES - 1);
    LibraryName big = {"ar9", long_name, NULL};
    library_names_put(names, 1, 0, &big, 1);
    assert_null(names_lookup(names, a, 1, 0, "ar9", NULL));
    free(long_name);
    arena_free(a);
    library_names_free(names);
    library_names_free(NULL);
}

static void test_generation(void **state)
{
    (void)state;
    LibraryNames *names = library_names_new(64);
    Arena *a = arena_new(1 << 16);
    LibraryName one[] = {{"ar1", "Alpha", NULL}, {"ar2", "Beta", NULL}};
    library_names_put(names, 5, 0, one, 2);
    assert_string_equal(names_lookup(names, a, 5, 0, "ar1", NULL), "Alpha");
    /* Read under another stamp: nothing, older or newer. */
    assert_null(names_lookup(names, a, 6, 0, "ar1", NULL));
    assert_null(names_lookup(names, a, 4, 0, "ar1", NULL));
    /* A put under an older stamp changes nothing. */
    LibraryName old = {"ar1", "Stale", NULL};
    library_names_put(names, 4, 0, &old, 1);
    assert_string_equal(names_lookup(names, a, 5, 0, "ar1", NULL), "Alpha");
    assert_int_equal(library_names_count(names), 2);
    /* A newer stamp empties the table first. */
    LibraryName renamed = {"ar1", "Alpha (renamed)", NULL};
    library_names_put(names, 7, 0, &renamed, 1);
    assert_int_equal(library_names_count(names), 1);
    assert_string_equal(names_lookup(names, a, 7, 0, "ar1", NULL), "Alpha (renamed)");
    assert_null(names_lookup(names, a, 7, 0, "ar2", NULL));
    assert_null(names_lookup(names, a, 5, 0, "ar1", NULL));
    arena_free(a);
    library_names_free(names);
}

static void test_bound(void **state)
{
    (void)state;
    LibraryNames *names = library_names_new(100); /* 64 slots */
    Arena *a = arena_new(1 << 20);
    char id[32], name[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof(id), "id%d", i);
        snprintf(name, sizeof(name), "name of %d", i);
        LibraryName v = {id, name, NULL};
        library_names_put(names, 1, (unsigned)(i % 2), &v, 1);
        assert_true(library_names_count(names) <= 64);
    }
    assert_int_equal(library_names_count(names), 64); /* every slot used */
    /* Whatever is still held is right; the last one put is held. */
    int held = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof(id), "id%d", i);
        snprintf(name, sizeof(name), "name of %d", i);
        const char *got = names_lookup(names, a, 1, (unsigned)(i % 2), id, NULL);
        if (got) {
            assert_string_equal(got, name);
            held++;
        }
    }
    assert_int_equal(held, 64);
    assert_string_equal(names_lookup(names, a, 1, 1, "id4999", NULL), "name of 4999");
    arena_free(a);
    library_names_free(names);
}

/* Threads put and get ids whose name tells the stamp it was put under; one thread moves the
 * stamp. A hit must always carry the name of the stamp asked for. */
typedef struct NamesThread {
    LibraryNames *names;
    _Atomic int64_t *stamp;
    int seed;
    int hits;
    int wrong;
} NamesThread;

static void *names_thread(void *arg)
{
    NamesThread *t = arg;
    Arena *a = arena_new(8 << 20);
    unsigned rnd = (unsigned)t->seed;
    for (int i = 0; i < 20000; i++) {
        rnd = rnd * 1103515245u + 12345u;
        int64_t stamp = atomic_load(t->stamp);
        if (t->seed == 0 && i % 1000 == 999)
            stamp = atomic_fetch_add(t->stamp, 1) + 1;
        char id[16], name[48];
        snprintf(id, sizeof(id), "a%u", (rnd >> 8) % 300);
        snprintf(name, sizeof(name), "%s@%lld", id, (long long)stamp);
        LibraryName v = {id, NULL, NULL};
        if (library_names_get(t->names, a, stamp, 0, &v, 1) == 1) {
            t->hits++;
            t->wrong += strcmp(v.name, name) != 0;
        } else {
            v.name = name;
            library_names_put(t->names, stamp, 0, &v, 1);
        }
        if (i % 4096 == 0) {
            arena_free(a);
            a = arena_new(8 << 20);
        }
    }
    arena_free(a);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    LibraryNames *names = library_names_new(256);
    _Atomic int64_t stamp = 1;
    NamesThread t[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        t[i] = (NamesThread){names, &stamp, i, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, names_thread, &t[i]), 0);
    }
    int hits = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(t[i].wrong, 0);
        hits += t[i].hits;
    }
    assert_true(hits > 1000);
    assert_true(library_names_count(names) <= 256);
    library_names_free(names);
}

static const char *const seed_sql[] = {
    "INSERT INTO libraries (id, name, path, created_at) VALUES (1, 'Music', '/m', 0)",
    "INSERT INTO folders (id, library_id, path, parent_id, name, sort_name, updated_at) VALUES"
    " ('f0', 1, '', NULL, '', '', 0)",
    "INSERT INTO artists (id, name, sort_name, created_at, updated_at) VALUES"
    " ('aa03', 'Café Tacvba', 'café tacvba', 0, 0), ('aa04', 'Zed', 'zed', 0, 0)",
    "INSERT INTO albums (id, name, sort_name, artist_id, album_artist, artist_sort,"
    " song_count, duration_ms, created_at, updated_at) VALUES"
    " ('ab05', 'Re', 're', 'aa03', 'Café Tacvba', 'café tacvba', 1, 100, 0, 0)",
    "INSERT INTO album_artists (album_id, artist_id, position) VALUES ('ab05', 'aa03', 0)",
    "INSERT INTO genres (id, name, sort_name) VALUES ('dd01', 'Rock', 'rock')",
    "INSERT INTO songs (id, library_id, folder_id, path, size, mtime, format, title, sort_title,"
    " artist, album, album_id, artist_id, missing, created_at, updated_at) VALUES"
    " ('c008', 1, 'f0', 'flores.mp3', 1, 0, 'mp3', 'Las Flores', 'las flores', 'Café Tacvba',"
    " 'Re', 'ab05', 'aa03', 0, 0, 0)",
    "INSERT INTO song_artists (song_id, artist_id, position) VALUES ('c008', 'aa03', 0),"
    " ('c008', 'aa04', 1)",
    "INSERT INTO song_genres (song_id, genre_id) VALUES ('c008', 'dd01')",
};

/* Renames artist aa03 through `db` (another pool: another process), bumping the library
 * generation in the same write transaction when `bump`. */
static void rename_artist(Db *db, const char *name, bool bump)
{
    DbConn *c;
    DbStmt *st;
    assert_int_equal(db_acquire(db, &c), 0);
    assert_int_equal(db_begin_write(c), 0);
    assert_int_equal(db_prepare(c, "UPDATE artists SET name = ? WHERE id = 'aa03'", &st), 0);
    assert_int_equal(db_bind_text(st, 1, name), 0);
    assert_int_equal(db_step(st), DB_DONE);
    db_finalize(st);
    if (bump)
        assert_int_equal(db_generation_bump(c, DB_GENERATION_LIBRARY), 0);
    assert_int_equal(db_commit(c), 0);
    db_release(c);
}

/* The name of the first artist of song c008 and its album's artist, read through `db`. */
static void song_names(Db *db, char *ret_artist, char *ret_album_artist)
{
    DbConn *c;
    Arena *a = arena_new(1 << 20);
    Song s;
    assert_int_equal(db_acquire(db, &c), 0);
    assert_int_equal(library_song_get(c, a, "c008", &s), 0);
    db_release(c);
    assert_int_equal(s.artists.n, 2);
    assert_string_equal(s.artists.items[1].name, "Zed");
    assert_int_equal(s.genres.n, 1);
    assert_string_equal(s.genres.items[0].name, "Rock");
    assert_int_equal(s.album_artists.n, 1);
    snprintf(ret_artist, 64, "%s", s.artists.items[0].name);
    snprintf(ret_album_artist, 64, "%s", s.album_artists.items[0].name);
    arena_free(a);
}

static void refs_case(const char *url, const char *dir)
{
    (void)dir;
    Db *db, *other;
    int applied;
    assert_int_equal(db_open(url, 2, &db), 0);
    assert_int_equal(db_migrate(db, &applied), 0);
    assert_int_equal(db_open(url, 2, &other), 0);
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    for (size_t i = 0; i < sizeof(seed_sql) / sizeof(seed_sql[0]); i++) {
        if (db_exec(c, seed_sql[i]) != 0)
            fail_msg("seed %zu: %s", i, db_errmsg(c));
    }
    db_release(c);
    LibraryNames *names = library_names_new(64);
    library_names_attach(db, names);

    char artist[64], album_artist[64];
    song_names(db, artist, album_artist); /* reads the names, keeps them */
    assert_string_equal(artist, "Café Tacvba");
    assert_string_equal(album_artist, "Café Tacvba");
    assert_int_equal(library_names_count(names), 3); /* two artists, one genre */
    song_names(db, artist, album_artist);            /* from the table */
    assert_string_equal(artist, "Café Tacvba");

    /* A change that does not move the generation is not seen: the names come from the
     * table (what a writer must never do: every scan bumps the generation). */
    rename_artist(other, "Cafe Tacuba", false);
    usleep(5000);
    song_names(db, artist, album_artist);
    assert_string_equal(artist, "Café Tacvba");

    /* Renamed by another process in a transaction that bumps the generation: seen once the
     * stamp moves (within 1 ms on SQLite, when the notification arrives on PostgreSQL). */
    rename_artist(other, "Café Tacuba", true);
    for (int i = 0; i < 200; i++) {
        song_names(db, artist, album_artist);
        if (strcmp(artist, "Café Tacvba") != 0)
            break;
        usleep(10000);
    }
    assert_string_equal(artist, "Café Tacuba");
    assert_string_equal(album_artist, "Café Tacuba");

    /* Renamed by this process: seen at once. */
    rename_artist(db, "Café Tacvba", true);
    song_names(db, artist, album_artist);
    assert_string_equal(artist, "Café Tacvba");

    /* Inside a transaction the names are read, not taken from the table nor kept there: a
     * rename it makes shows in it, and is gone with its rollback. */
    Arena *a = arena_new(1 << 20);
    Song s;
    assert_int_equal(db_acquire(db, &c), 0);
    assert_int_equal(db_begin_write(c), 0);
    assert_int_equal(db_exec(c, "UPDATE artists SET name = 'Rolled Back' WHERE id = 'aa03'"), 0);
    assert_int_equal(library_song_get(c, a, "c008", &s), 0);
    assert_string_equal(s.artists.items[0].name, "Rolled Back");
    assert_int_equal(db_rollback(c), 0);
    db_release(c);
    arena_free(a);
    song_names(db, artist, album_artist);
    assert_string_equal(artist, "Café Tacvba");

    /* Without a table the names are read every time, the same. */
    library_names_attach(db, NULL);
    song_names(db, artist, album_artist);
    assert_string_equal(artist, "Café Tacvba");
    db_close(other);
    db_close(db);
    library_names_free(names);
}

static void test_refs_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, refs_case);
}

static void test_refs_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, refs_case);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hits),        cmocka_unit_test(test_generation),
        cmocka_unit_test(test_bound),       cmocka_unit_test(test_threads),
        cmocka_unit_test(test_refs_sqlite), cmocka_unit_test(test_refs_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
