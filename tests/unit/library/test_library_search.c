/*
 * test_library_search.c - search on rows seeded with SQL, on SQLite and PostgreSQL:
 * ranking (exact > prefix > other, "The" ignored), prefix matching while typing, case and
 * accents, whole words then prefixes, query-language injection, limits; typos on
 * PostgreSQL; rows written before migration 0007 found after it; and the pure helpers
 * (tokens, FTS5 and tsquery quoting, folding).
 */
#include "core/err.h"
#include "core/limits.h"
#include "db/db_internal.h"
#include "library/library_search.h"

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
    "INSERT INTO search (kind, item_id, name, extra) VALUES"
    " ('artist', 'aa01', 'The Beatles', ''), ('artist', 'aa02', 'ABBA', ''),"
    " ('artist', 'aa03', 'Café Tacvba', ''), ('artist', 'aa05', 'Beat Happening', ''),"
    " ('artist', 'aa06', 'Beat', ''), ('artist', 'aa07', 'Radiohead', ''),"
    " ('artist', 'aa08', 'Sólrún Ævarsdóttir', ''),"
    " ('album', 'ab01', 'Abbey Road', 'The Beatles'),"
    " ('album', 'ab02', 'Café Olé', 'Sólrún Ævarsdóttir'),"
    " ('song', 'c001', 'Come Together', 'The Beatles Abbey Road'),"
    " ('song', 'c002', 'Beat It', 'Michael Jackson Thriller'),"
    " ('song', 'c003', 'Über Straße', 'Sólrún Ævarsdóttir Café Olé'),"
    " ('song', 'c004', 'It''s a \"quoted\" 100% song', 'Hostile')",
};

static size_t search(DbConn *c, DbKind kind, Arena *a, const char *q, LibrarySearchKind k,
                     const char ***ids)
{
    size_t n = 0;
    int r = library_search(c, kind, a, q, k, 20, ids, &n);
    if (r != 0)
        fail_msg("search '%s': %d (%s)", q, r, db_errmsg(c));
    return n;
}

static bool has(const char **ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ids[i], id) == 0)
            return true;
    }
    return false;
}

static void search_case(const char *url, const char *dir)
{
    (void)dir;
    Db *db;
    assert_int_equal(db_open(url, 2, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    DbKind kind = db_kind(db);
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    for (size_t i = 0; i < sizeof(seed_sql) / sizeof(seed_sql[0]); i++) {
        if (db_exec(c, seed_sql[i]) != 0)
            fail_msg("seed: %s", db_errmsg(c));
    }
    Arena *a = arena_new(4 << 20);
    const char **ids;
    size_t n;

    /* Exact first, then prefixes ("The" ignored), while typing. */
    n = search(c, kind, a, "beat", LIBRARY_SEARCH_ARTIST, &ids);
    assert_true(n >= 3);
    assert_string_equal(ids[0], "aa06");
    assert_true(has(ids, n, "aa01"));
    assert_true(has(ids, n, "aa05"));
    assert_false(has(ids, n, "aa02"));
    assert_string_equal(ids[1], "aa05"); /* name prefixes in folded order: "beat h" < "beatl" */
    assert_string_equal(ids[2], "aa01");
    n = search(c, kind, a, "happening", LIBRARY_SEARCH_ARTIST, &ids); /* a later word */
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "aa05");
    n = search(c, kind, a, "BEATL", LIBRARY_SEARCH_ARTIST, &ids);
    assert_true(n >= 1);
    assert_string_equal(ids[0], "aa01");
    n = search(c, kind, a, "the beatles", LIBRARY_SEARCH_ARTIST, &ids);
    assert_string_equal(ids[0], "aa01");
    n = search(c, kind, a, "the b", LIBRARY_SEARCH_ARTIST, &ids); /* not every "b..." */
    assert_true(has(ids, n, "aa01"));
    assert_false(has(ids, n, "aa06"));
    assert_false(has(ids, n, "aa05"));

    /* Accents either way. */
    n = search(c, kind, a, "cafe", LIBRARY_SEARCH_ARTIST, &ids);
    assert_true(n >= 1);
    assert_string_equal(ids[0], "aa03");
    n = search(c, kind, a, "CAFÉ tac", LIBRARY_SEARCH_ARTIST, &ids);
    assert_true(n >= 1);
    assert_string_equal(ids[0], "aa03");
    n = search(c, kind, a, "solrun", LIBRARY_SEARCH_ARTIST, &ids);
    assert_true(n >= 1);
    assert_string_equal(ids[0], "aa08");
    n = search(c, kind, a, "cafe ole", LIBRARY_SEARCH_ALBUM, &ids);
    assert_true(n >= 1);
    assert_string_equal(ids[0], "ab02");
    n = search(c, kind, a, "uber", LIBRARY_SEARCH_SONG, &ids);
    assert_true(n >= 1);
    assert_string_equal(ids[0], "c003");

    /* Kinds are separate; songs match on their artist and album too. */
    n = search(c, kind, a, "abbey", LIBRARY_SEARCH_ALBUM, &ids);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "ab01");
    n = search(c, kind, a, "beat", LIBRARY_SEARCH_SONG, &ids);
    assert_true(has(ids, n, "c002"));
    assert_string_equal(ids[0], "c002"); /* name prefix beats a match in `extra` */
    /* Words typed in full, the last one being typed, every one cut short: the same song. */
    n = search(c, kind, a, "together beatles", LIBRARY_SEARCH_SONG, &ids);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "c001");
    n = search(c, kind, a, "together beatl", LIBRARY_SEARCH_SONG, &ids);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "c001");
    n = search(c, kind, a, "toget beatl", LIBRARY_SEARCH_SONG, &ids);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "c001");

    /* Query syntax of either language is just text. */
    const char *hostile[] = {"\"beat\" OR x*",
                             "'; DROP TABLE search; --",
                             "a\\' & !b | c:*",
                             "NEAR(beat abba)",
                             "\"",
                             "*",
                             "^beat",
                             "beat:*",
                             "{name}: x",
                             "100%",
                             "it's",
                             "(((",
                             "--",
                             "é́́"};
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        for (int k = LIBRARY_SEARCH_ARTIST; k <= LIBRARY_SEARCH_SONG; k++)
            search(c, kind, a, hostile[i], (LibrarySearchKind)k, &ids);
    }
    n = search(c, kind, a, "100% quoted", LIBRARY_SEARCH_SONG, &ids);
    assert_true(n >= 1);
    assert_string_equal(ids[0], "c004");
    n = search(c, kind, a, "   ", LIBRARY_SEARCH_SONG, &ids);
    assert_int_equal(n, 0);

    /* Limits. */
    char longq[LIMIT_SEARCH_QUERY_BYTES + 2];
    memset(longq, 'a', sizeof(longq) - 1);
    longq[sizeof(longq) - 1] = '\0';
    assert_int_equal(library_search(c, kind, a, longq, LIBRARY_SEARCH_SONG, 5, &ids, &n),
                     ERR_LIMIT);
    assert_int_equal(
        library_search(c, kind, a, "a b c d e f g h i", LIBRARY_SEARCH_SONG, 5, &ids, &n),
        ERR_LIMIT);
    assert_int_equal(library_search(c, kind, a, "beat", LIBRARY_SEARCH_SONG, 0, &ids, &n), -EINVAL);
    assert_int_equal(
        library_search(c, kind, a, "beat", LIBRARY_SEARCH_SONG, LIMIT_SEARCH_HITS_MAX, &ids, &n),
        0);
    assert_int_equal(library_search(c, kind, a, "beat", LIBRARY_SEARCH_SONG,
                                    LIMIT_SEARCH_HITS_MAX + 1, &ids, &n),
                     -EINVAL);
    assert_int_equal(library_search(c, kind, a, "beat", LIBRARY_SEARCH_ARTIST, 1, &ids, &n), 0);
    assert_int_equal(n, 1);

    /* Typos: PostgreSQL only (trigram similarity). */
    if (kind == DB_KIND_POSTGRES) {
        n = search(c, kind, a, "radiohaed", LIBRARY_SEARCH_ARTIST, &ids);
        assert_true(n >= 1);
        assert_string_equal(ids[0], "aa07");
        n = search(c, kind, a, "abey road", LIBRARY_SEARCH_ALBUM, &ids);
        assert_true(has(ids, n, "ab01"));
    }

    /* More name-prefix matches than the limit: the first ones of the B-tree, exact first;
     * a renamed row is found under its new key only. */
    for (int i = 30; i >= 1; i--) {
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO search (kind, item_id, name, extra) VALUES ('album', 'z%02d',"
                 " 'Zé Album %02d', 'Zé')",
                 i, i);
        assert_int_equal(db_exec(c, sql), 0);
    }
    assert_int_equal(db_exec(c, "INSERT INTO search (kind, item_id, name, extra) VALUES"
                                " ('album', 'z99', 'ZE ALBUM', '')"),
                     0);
    assert_int_equal(library_search(c, kind, a, "ze album", LIBRARY_SEARCH_ALBUM, 3, &ids, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(ids[0], "z99");
    assert_string_equal(ids[1], "z01");
    assert_string_equal(ids[2], "z02");
    assert_int_equal(db_exec(c, "UPDATE search SET name = 'Yo Album' WHERE kind = 'album' AND"
                                " item_id = 'z01'"),
                     0);
    n = search(c, kind, a, "ze album 01", LIBRARY_SEARCH_ALBUM, &ids);
    assert_false(has(ids, n, "z01"));
    n = search(c, kind, a, "yo alb", LIBRARY_SEARCH_ALBUM, &ids);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "z01");
    if (kind == DB_KIND_SQLITE) {
        /* The view's triggers keep every kind in its own table and refuse others. */
        assert_int_not_equal(db_exec(c, "UPDATE search SET kind = 'song' WHERE kind = 'album'"
                                        " AND item_id = 'z02'"),
                             0);
        assert_int_not_equal(db_exec(c, "INSERT INTO search (kind, item_id, name, extra) VALUES"
                                        " ('genre', 'g1', 'Jazz', '')"),
                             0);
        DbStmt *st;
        assert_int_equal(db_prepare(c,
                                    "SELECT (SELECT count(*) FROM search_artist),"
                                    " (SELECT count(*) FROM search_album),"
                                    " (SELECT count(*) FROM search_song)",
                                    &st),
                         0);
        assert_int_equal(db_step(st), DB_ROW);
        assert_int_equal(db_column_int64(st, 0), 7);
        assert_int_equal(db_column_int64(st, 1), 33);
        assert_int_equal(db_column_int64(st, 2), 4);
        db_finalize(st);
    }

    /* The scanner's statements: replace one row's text, rename an id, delete a row. */
    assert_int_equal(db_exec(c, "UPDATE search SET item_id = 'c005' WHERE kind = 'song' AND"
                                " item_id = 'c002'"),
                     0);
    n = search(c, kind, a, "beat it", LIBRARY_SEARCH_SONG, &ids);
    assert_true(has(ids, n, "c005"));
    assert_false(has(ids, n, "c002"));
    assert_int_equal(db_exec(c, "DELETE FROM search WHERE kind = 'song' AND item_id = 'c005'"), 0);
    n = search(c, kind, a, "beat it", LIBRARY_SEARCH_SONG, &ids);
    assert_false(has(ids, n, "c005"));
    n = search(c, kind, a, "beat", LIBRARY_SEARCH_ARTIST, &ids);
    assert_true(has(ids, n, "aa06")); /* other rows untouched */
    if (kind == DB_KIND_SQLITE) {
        /* A delete by id is an index lookup, not a read of the whole FTS table. */
        DbStmt *st;
        assert_int_equal(db_prepare(c,
                                    "EXPLAIN QUERY PLAN SELECT key_id FROM search WHERE kind ="
                                    " 'song' AND item_id = 'c001'",
                                    &st),
                         0);
        bool indexed = false;
        while (db_step(st) == DB_ROW) {
            const char *detail = db_column_text(st, 3);
            if (detail && strstr(detail, "search_keys_item"))
                indexed = true;
        }
        db_finalize(st);
        assert_true(indexed);
    }

    arena_free(a);
    db_release(c);
    db_close(db);
}

/* A database of schema 6 holding search rows, then migration 0007: the rows keep their text
 * and are found through the new key index and per-kind tables. */
static void upgrade_case(const char *url, const char *dir)
{
    (void)dir;
    Db *db;
    assert_int_equal(db_open(url, 2, &db), 0);
    DbKind kind = db_kind(db);
    const DbMigration *m = kind == DB_KIND_SQLITE ? db_migrations_sqlite : db_migrations_postgres;
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    assert_int_equal(db_exec(c, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                                " applied_at BIGINT NOT NULL)"),
                     0);
    for (; m->sql && m->version <= 6; m++) {
        if (db_exec(c, m->sql) != 0)
            fail_msg("migration %d: %s", m->version, db_errmsg(c));
        char sql[128];
        snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations VALUES (%d, 0)", m->version);
        assert_int_equal(db_exec(c, sql), 0);
    }
    assert_int_equal(m->version, 7);
    for (size_t i = 0; i < sizeof(seed_sql) / sizeof(seed_sql[0]); i++) {
        if (db_exec(c, seed_sql[i]) != 0)
            fail_msg("seed: %s", db_errmsg(c));
    }
    db_release(c);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    assert_true(applied >= 1);
    assert_int_equal(db_acquire(db, &c), 0);
    Arena *a = arena_new(1 << 20);
    const char **ids;
    size_t n = search(c, kind, a, "beat", LIBRARY_SEARCH_ARTIST, &ids);
    assert_true(n >= 3);
    assert_string_equal(ids[0], "aa06");
    n = search(c, kind, a, "cafe ole", LIBRARY_SEARCH_ALBUM, &ids);
    assert_true(n >= 1);
    assert_string_equal(ids[0], "ab02");
    n = search(c, kind, a, "abbey", LIBRARY_SEARCH_SONG, &ids); /* a word of `extra` */
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "c001");
    assert_int_equal(db_exec(c, "DELETE FROM search WHERE kind = 'song' AND item_id = 'c001'"), 0);
    n = search(c, kind, a, "abbey", LIBRARY_SEARCH_SONG, &ids);
    assert_int_equal(n, 0);
    arena_free(a);
    db_release(c);
    db_close(db);
}

static void test_upgrade_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, upgrade_case);
}

static void test_upgrade_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, upgrade_case);
}

static void test_search_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, search_case);
}

static void test_search_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, search_case);
}

static void test_helpers(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 16);
    const char **t;
    size_t n;
    assert_int_equal(library_search_tokens(a, "  Beat-les \"x\" 'y' Café*", &t, &n), 0);
    assert_int_equal(n, 5);
    assert_string_equal(t[0], "Beat");
    assert_string_equal(t[1], "les");
    assert_string_equal(t[4], "Café");
    assert_int_equal(library_search_tokens(a, "!!! ***", &t, &n), 0);
    assert_int_equal(n, 0);
    char word[LIBRARY_SEARCH_TOKEN_BYTES_MAX + 2];
    memset(word, 'x', sizeof(word) - 1);
    word[sizeof(word) - 1] = '\0';
    assert_int_equal(library_search_tokens(a, word, &t, &n), ERR_LIMIT);

    const char *toks[] = {"be\"at", "o'k\\"};
    assert_string_equal(library_search_fts5(a, toks, 2), "\"be\"\"at\"* \"o'k\\\"*");
    assert_string_equal(library_search_tsquery(a, toks, 2), "'be\"at':* & 'o''k\\\\':*");

    assert_string_equal(library_search_fold(a, "Café Olé"), "cafe ole");
    assert_string_equal(library_search_fold(a, "  The--Beatles! "), "the beatles");
    assert_string_equal(library_search_fold(a, "Über Straße"), "uber strasse");
    assert_string_equal(library_search_fold(a, "Sólrún Ævarsdóttir"), "solrun aevarsdottir");
    assert_string_equal(library_search_fold(a, "Łódź"), "lodz");
    assert_string_equal(library_search_fold(a, "Don’t"), "don t");
    assert_string_equal(library_search_fold(a, "Кино"), "Кино");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_sqlite),  cmocka_unit_test(test_search_postgres),
        cmocka_unit_test(test_upgrade_sqlite), cmocka_unit_test(test_upgrade_postgres),
        cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
