/*
 * test_library_keyset.c - the shared keyset-paging mechanics on a real table, on SQLite and
 * PostgreSQL: every row exactly once in order at every page size (bound, or written into the
 * SQL), numeric and tagged cursor parts, and malformed cursors refused.
 */
#include "core/err.h"
#include "library/library_keyset.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

typedef struct Row {
    int64_t year;
    const char *name;
    const char *id;
} Row;

/* Reads (year, name, id); the sort key is (year, name, id) after the tag. */
static int read_row(DbStmt *st, Arena *arena, void *item, const void *ctx, LibraryKeysetKey *key)
{
    (void)ctx;
    Row *r = item;
    r->year = db_column_int64(st, 0);
    r->name = arena_strdup(arena, db_column_text(st, 1));
    r->id = arena_strdup(arena, db_column_text(st, 2));
    if (!r->name || !r->id)
        return -ENOMEM;
    key->num[1] = r->year;
    key->text[2] = r->name;
    key->text[3] = r->id;
    return 0;
}

static const LibraryKeyset keyset = {
    "SELECT year, sort_name, id FROM albums ORDER BY year, sort_name, id LIMIT ?",
    "SELECT year, sort_name, id FROM albums WHERE (year, sort_name, id) > (?, ?, ?)"
    " ORDER BY year, sort_name, id LIMIT ?",
    4,
    1u << 1, /* part 1 (the year) is a number */
    "y",
};

static void seed(DbConn *c, int n)
{
    assert_int_equal(db_begin_write(c), 0);
    DbStmt *st;
    assert_int_equal(db_prepare(c,
                                "INSERT INTO albums (id, name, sort_name, year, created_at, "
                                "updated_at) VALUES (?, ?, ?, ?, 0, 0)",
                                &st),
                     0);
    for (int i = 0; i < n; i++) {
        char id[32], name[32];
        snprintf(id, sizeof(id), "%024x", (unsigned)(i * 7919 % 1000003));
        snprintf(name, sizeof(name), "name %02d", i % 5); /* ties: the id decides */
        assert_int_equal(db_reset(st), 0);
        assert_int_equal(db_bind_text(st, 1, id), 0);
        assert_int_equal(db_bind_text(st, 2, name), 0);
        assert_int_equal(db_bind_text(st, 3, name), 0);
        assert_int_equal(db_bind_int64(st, 4, 1990 + i % 3), 0);
        assert_int_equal(db_step(st), DB_DONE);
    }
    db_finalize(st);
    assert_int_equal(db_commit(c), 0);
}

/* Reads every page of size `limit`; returns how many rows came, checking the order. */
static int page_all(DbConn *c, Arena *a, int limit)
{
    const char *cursor = NULL;
    Row prev = {0, "", ""};
    int total = 0;
    for (int page = 0; page < 1000; page++) {
        DbStmt *st;
        LibraryKeysetKey after;
        int idx = 1;
        /* Odd page sizes are bound, even ones written into the SQL. */
        const char *sql = cursor ? keyset.after : keyset.first;
        if (limit % 2 == 0)
            assert_non_null(sql = library_keyset_limit_sql(a, sql, limit + 1));
        assert_int_equal(db_prepare(c, sql, &st), 0);
        if (cursor) {
            assert_int_equal(library_keyset_unpack(a, &keyset, cursor, &after), 0);
            assert_int_equal(library_keyset_bind(st, &keyset, &after, &idx), 0);
        }
        if (limit % 2 == 1)
            assert_int_equal(db_bind_int64(st, idx, limit + 1), 0);
        Row rows[16];
        size_t n;
        const char *next;
        assert_int_equal(library_keyset_read(st, a, &keyset, limit, rows, sizeof(rows[0]), read_row,
                                             NULL, &n, &next, NULL),
                         0);
        db_finalize(st);
        for (size_t i = 0; i < n; i++) {
            int cmp = rows[i].year != prev.year         ? (rows[i].year > prev.year ? 1 : -1)
                      : strcmp(rows[i].name, prev.name) ? strcmp(rows[i].name, prev.name)
                                                        : strcmp(rows[i].id, prev.id);
            assert_true(total == 0 || cmp > 0);
            prev = rows[i];
            total++;
        }
        if (!next)
            return total;
        assert_true(n == (size_t)limit);
        cursor = next;
    }
    fail_msg("paging did not end");
    return -1;
}

static void keyset_case(const char *url, const char *dir)
{
    (void)dir;
    Db *db;
    assert_int_equal(db_open(url, 2, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    seed(c, 37);
    Arena *a = arena_new(1 << 22);
    for (int limit = 1; limit <= 16; limit++)
        assert_int_equal(page_all(c, a, limit), 37);

    /* Malformed cursors: not base64, too few parts, a non-numeric year, another tag. */
    LibraryKeysetKey k;
    assert_int_equal(library_keyset_unpack(a, &keyset, "!!!", &k), ERR_PARSE);
    LibraryKeysetKey good = {{"y", NULL, "name 00", "000000000000000000000001"}, {0, 1990, 0, 0}};
    const char *cur;
    assert_int_equal(library_keyset_encode(a, &keyset, &good, &cur), 0);
    assert_int_equal(library_keyset_unpack(a, &keyset, cur, &k), 0);
    assert_int_equal(k.num[1], 1990);
    assert_string_equal(k.text[2], "name 00");
    LibraryKeyset two = keyset;
    two.parts = 2;
    two.numeric = 0;
    assert_int_equal(library_keyset_unpack(a, &two, cur, &k), ERR_PARSE);
    LibraryKeysetKey bad = {{"y", "19x0", "n", "000000000000000000000001"}, {0, 0, 0, 0}};
    LibraryKeyset textual = keyset;
    textual.numeric = 0;
    assert_int_equal(library_keyset_encode(a, &textual, &bad, &cur), 0);
    assert_int_equal(library_keyset_unpack(a, &keyset, cur, &k), ERR_PARSE);
    arena_free(a);
    db_release(c);
    db_close(db);
}

/* The page size goes in place of the final "LIMIT ?" only; other texts are refused. */
static void test_keyset_limit_sql(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 16);
    assert_string_equal(library_keyset_limit_sql(a, "SELECT x FROM t WHERE y > ? LIMIT ?", 101),
                        "SELECT x FROM t WHERE y > ? LIMIT 101");
    assert_string_equal(library_keyset_limit_sql(a, "LIMIT ?", 1), "LIMIT 1");
    assert_null(library_keyset_limit_sql(a, "SELECT x FROM t LIMIT ? OFFSET ?", 5));
    assert_null(library_keyset_limit_sql(a, "SELECT x FROM t", 5));
    assert_null(library_keyset_limit_sql(a, "?", 5));
    arena_free(a);
}

static void test_keyset_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, keyset_case);
}

static void test_keyset_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, keyset_case);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyset_limit_sql),
        cmocka_unit_test(test_keyset_sqlite),
        cmocka_unit_test(test_keyset_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
