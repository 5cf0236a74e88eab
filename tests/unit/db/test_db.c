/*
 * test_db.c - unit tests of db.h: one table of cases, run on SQLite and on PostgreSQL.
 *
 * SQLite: every case gets a fresh database file in its own mkdtemp() directory.
 * PostgreSQL: runs when SWAZ_TEST_PG_URL names a libpq URL whose user may CREATE DATABASE.
 * Every case creates a database swaz_test_<pid>_<n>, reaches it by adding dbname=... to the
 * URL's query string (libpq lets it override the path), and drops it WITH (FORCE) in its
 * teardown, so concurrent and repeated runs never collide. Without the variable each
 * PostgreSQL case is reported skipped.
 */
#include "core/err.h"
#include "core/limits.h"
#include "db/db.h"
#include "db/db_internal.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct TestDb {
    DbKind kind;
    char dir[256];    /* SQLite: the temp directory */
    char pg_name[64]; /* PostgreSQL: the database created for this case */
    char url[2048];   /* the URL of this case's database */
    Db *db;           /* NULL when PostgreSQL is not configured */
} TestDb;

static int test_pg_counter;

/* ---- helpers ---------------------------------------------------------------------- */

static void test_exec(DbConn *conn, const char *sql)
{
    int r = db_exec(conn, sql);
    if (r != 0)
        fail_msg("%s: %s", sql, db_errmsg(conn));
}

static int64_t test_query_int(DbConn *conn, const char *sql)
{
    DbStmt *stmt = NULL;
    assert_int_equal(db_prepare(conn, sql, &stmt), 0);
    int r = db_step(stmt);
    if (r != DB_ROW)
        fail_msg("%s: %d %s", sql, r, db_errmsg(conn));
    int64_t v = db_column_int64(stmt, 0);
    db_finalize(stmt);
    return v;
}

static void test_migrate_ok(Db *db)
{
    int applied = -1;
    assert_int_equal(db_migrate(db, &applied), 0);
}

static void test_insert_library(DbConn *conn, int64_t id, const char *name)
{
    DbStmt *stmt = NULL;
    assert_int_equal(db_prepare(conn,
                                "INSERT INTO libraries (id, name, path, created_at) "
                                "VALUES (?, ?, ?, ?)",
                                &stmt),
                     0);
    assert_int_equal(db_bind_int64(stmt, 1, id), 0);
    assert_int_equal(db_bind_text(stmt, 2, name), 0);
    assert_int_equal(db_bind_text(stmt, 3, name), 0);
    assert_int_equal(db_bind_int64(stmt, 4, 1700000000), 0);
    assert_int_equal(db_step(stmt), DB_DONE);
    db_finalize(stmt);
}

/* Inserts a user; returns db_step()'s result. */
static int test_insert_user(DbConn *conn, const char *id, const char *username)
{
    DbStmt *stmt = NULL;
    assert_int_equal(db_prepare(conn,
                                "INSERT INTO users (id, username, password_hash, created_at, "
                                "updated_at) VALUES (?, ?, 'x', 1, 1)",
                                &stmt),
                     0);
    assert_int_equal(db_bind_text(stmt, 1, id), 0);
    assert_int_equal(db_bind_text(stmt, 2, username), 0);
    int r = db_step(stmt);
    db_finalize(stmt);
    return r;
}

static size_t test_migrations_count(DbKind kind)
{
    return kind == DB_KIND_SQLITE ? db_migrations_sqlite_count : db_migrations_postgres_count;
}

static int test_last_version(DbKind kind)
{
    const DbMigration *m = kind == DB_KIND_SQLITE ? db_migrations_sqlite : db_migrations_postgres;
    size_t n = test_migrations_count(kind);
    return n ? m[n - 1].version : 0;
}

/* ---- fixtures --------------------------------------------------------------------- */

static int test_setup_sqlite(void **state)
{
    TestDb *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->kind = DB_KIND_SQLITE;
    const char *tmp = getenv("TMPDIR");
    snprintf(t->dir, sizeof(t->dir), "%s/swaz_test_db_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->url, sizeof(t->url), "sqlite:%s/swaz.db", t->dir);
    assert_int_equal(db_open(t->url, 4, &t->db), 0);
    *state = t;
    return 0;
}

/* Runs one statement on the admin database of SWAZ_TEST_PG_URL. */
static void test_pg_admin(const char *admin_url, const char *sql)
{
    Db *admin = NULL;
    DbConn *conn = NULL;
    assert_int_equal(db_open(admin_url, 1, &admin), 0);
    assert_int_equal(db_acquire(admin, &conn), 0);
    test_exec(conn, sql);
    db_release(conn);
    db_close(admin);
}

static int test_setup_postgres(void **state)
{
    char sql[256];
    TestDb *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->kind = DB_KIND_POSTGRES;
    *state = t;
    const char *admin = getenv("SWAZ_TEST_PG_URL");
    if (!admin || !*admin)
        return 0; /* each case calls skip() */

    snprintf(t->pg_name, sizeof(t->pg_name), "swaz_test_%ld_%d", (long)getpid(), ++test_pg_counter);
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", t->pg_name);
    test_pg_admin(admin, sql);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", t->pg_name);
    test_pg_admin(admin, sql);
    snprintf(t->url, sizeof(t->url), "%s%sdbname=%s", admin, strchr(admin, '?') ? "&" : "?",
             t->pg_name);
    assert_int_equal(db_open(t->url, 4, &t->db), 0);
    return 0;
}

static int test_teardown(void **state)
{
    TestDb *t = *state;
    char path[512];
    db_close(t->db);
    if (t->kind == DB_KIND_SQLITE) {
        const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
            snprintf(path, sizeof(path), "%s/swaz.db%s", t->dir, suffixes[i]);
            unlink(path);
        }
        rmdir(t->dir);
    } else if (t->pg_name[0]) {
        char sql[256];
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", t->pg_name);
        test_pg_admin(getenv("SWAZ_TEST_PG_URL"), sql);
    }
    free(t);
    return 0;
}

/* Every case starts here: the PostgreSQL cases are skipped when no server is configured. */
static TestDb *test_begin(void **state)
{
    TestDb *t = *state;
    if (!t->db) {
        print_message("# SWAZ_TEST_PG_URL is not set: PostgreSQL case skipped\n");
        skip();
    }
    return t;
}

/* ---- cases ------------------------------------------------------------------------ */

static void test_open_close(void **state)
{
    TestDb *t = test_begin(state);
    DbConn *conn = NULL;
    assert_int_equal(db_kind(t->db), t->kind);
    const char *d = db_describe(t->db);
    assert_non_null(d);
    if (t->kind == DB_KIND_SQLITE)
        assert_string_equal(d, t->url);
    else
        assert_true(strncmp(d, "postgres://", strlen("postgres://")) == 0);
    assert_int_equal(db_acquire(t->db, &conn), 0);
    assert_string_equal(db_errmsg(conn), "");
    db_release(conn);
    db_release(NULL);
    db_close(NULL);

    /* A second pool on the same database works alongside. */
    Db *other = NULL;
    assert_int_equal(db_open(t->url, 1, &other), 0);
    assert_int_equal(db_ping(other), 0);
    db_close(other);
}

static void test_bad_urls(void **state)
{
    TestDb *t = test_begin(state);
    static const char *const bad[] = {
        "",
        "mysql://localhost/swaz",
        "http://example.com/",
        "redis://localhost",
        "sqlite:",
        "sqlite::memory:",
        "sqlite://host/swaz.db",
        "postgres://localhost:notaport/swaz",
        "postgres://localhost:99999/swaz",
        "postgresql://[::1",
        "postgres://swaz@localhost/swaz?bogus=1",
        "postgres://%zz@localhost/swaz",
    };
    Db *sentinel = (Db *)0x1;
    Db *db = sentinel;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = db_open(bad[i], 1, &db);
        if (r != -EINVAL)
            fail_msg("db_open(\"%s\") = %d, want -EINVAL", bad[i], r);
        assert_ptr_equal(db, sentinel);
    }
    assert_int_equal(db_open(NULL, 1, &db), -EINVAL);
    assert_int_equal(db_open(t->url, 0, &db), -EINVAL);
    assert_int_equal(db_open(t->url, LIMIT_DB_POOL_MAX + 1, &db), -EINVAL);
    assert_ptr_equal(db, sentinel);

    /* Well-formed but unreachable: ERR_DB, not -EINVAL. */
    const char *unreachable = t->kind == DB_KIND_SQLITE
                                  ? "sqlite:/nonexistent-swaz-dir/swaz.db"
                                  : "postgresql://swaz@/swaz?host=/nonexistent-swaz-dir&port=1";
    assert_int_equal(db_open(unreachable, 1, &db), ERR_DB);
    assert_ptr_equal(db, sentinel);
}

static void test_migrate(void **state)
{
    TestDb *t = test_begin(state);
    int applied = -1;
    int version = -1;
    DbConn *conn = NULL;

    assert_int_equal(db_schema_version(t->db, &version), 0);
    assert_int_equal(version, 0);
    assert_true(test_migrations_count(t->kind) >= 1);

    assert_int_equal(db_migrate(t->db, &applied), 0);
    assert_int_equal(applied, (int)test_migrations_count(t->kind));
    assert_int_equal(db_schema_version(t->db, &version), 0);
    assert_int_equal(version, test_last_version(t->kind));

    applied = -1;
    assert_int_equal(db_migrate(t->db, &applied), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(db_schema_version(t->db, &version), 0);
    assert_int_equal(version, test_last_version(t->kind));

    assert_int_equal(db_acquire(t->db, &conn), 0);
    assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM songs"), 0);
    assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM schema_migrations"),
                     (int64_t)test_migrations_count(t->kind));
    assert_true(test_query_int(conn, "SELECT MIN(applied_at) FROM schema_migrations") > 1600000000);
    db_release(conn);
}

typedef struct TestMigrateThread {
    const char *url;
    int result;
    int applied;
} TestMigrateThread;

static void *test_migrate_thread(void *arg)
{
    TestMigrateThread *m = arg;
    Db *db = NULL;
    m->result = db_open(m->url, 1, &db);
    if (m->result == 0)
        m->result = db_migrate(db, &m->applied);
    db_close(db);
    return NULL;
}

static void test_migrate_concurrent(void **state)
{
    TestDb *t = test_begin(state);
    TestMigrateThread m[3];
    pthread_t th[3];
    int total = 0;
    for (int i = 0; i < 3; i++) {
        m[i] = (TestMigrateThread){.url = t->url, .result = -1, .applied = 0};
        assert_int_equal(pthread_create(&th[i], NULL, test_migrate_thread, &m[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(m[i].result, 0);
        total += m[i].applied;
    }
    assert_int_equal(total, (int)test_migrations_count(t->kind));
}

static void test_columns(void **state)
{
    TestDb *t = test_begin(state);
    DbConn *conn = NULL;
    DbStmt *stmt = NULL;
    assert_int_equal(db_acquire(t->db, &conn), 0);

    assert_int_equal(db_prepare(conn, "SELECT ?, ?, ?, ?", &stmt), 0);
    assert_int_equal(db_bind_text(stmt, 1, "h\xc3\xa9llo 'quoted'"), 0);
    assert_int_equal(db_bind_int64(stmt, 2, -42), 0);
    assert_int_equal(db_bind_double(stmt, 3, 2.5), 0);
    assert_int_equal(db_bind_null(stmt, 4), 0);
    assert_int_equal(db_step(stmt), DB_ROW);
    assert_int_equal(db_column_count(stmt), 4);
    assert_string_equal(db_column_text(stmt, 0), "h\xc3\xa9llo 'quoted'");
    assert_false(db_column_is_null(stmt, 0));
    assert_int_equal(db_column_int64(stmt, 1), -42);
    assert_string_equal(db_column_text(stmt, 1), "-42");
    assert_true(db_column_double(stmt, 2) == 2.5);
    assert_true(db_column_is_null(stmt, 3));
    assert_null(db_column_text(stmt, 3));
    assert_int_equal(db_column_int64(stmt, 3), 0);
    /* Out of range columns read as NULL. */
    assert_null(db_column_text(stmt, 4));
    assert_null(db_column_text(stmt, -1));
    assert_true(db_column_is_null(stmt, 9));
    assert_int_equal(db_step(stmt), DB_DONE);
    assert_int_equal(db_step(stmt), DB_DONE);
    db_finalize(stmt);

    /* Typed columns of a real table, with values at the edges of their types. */
    test_exec(conn, "CREATE TABLE t (a TEXT, b BIGINT, c DOUBLE PRECISION, d TEXT)");
    assert_int_equal(db_prepare(conn, "INSERT INTO t (a, b, c, d) VALUES (?, ?, ?, ?)", &stmt), 0);
    assert_int_equal(db_bind_text(stmt, 1, ""), 0);
    assert_int_equal(db_bind_int64(stmt, 2, INT64_MAX), 0);
    assert_int_equal(db_bind_double(stmt, 3, 0.1), 0);
    assert_int_equal(db_bind_text(stmt, 4, NULL), 0);
    assert_int_equal(db_step(stmt), DB_DONE);
    assert_int_equal(db_reset(stmt), 0);
    assert_int_equal(db_bind_text(stmt, 1, "second"), 0);
    assert_int_equal(db_bind_int64(stmt, 2, INT64_MIN), 0);
    assert_int_equal(db_bind_double(stmt, 3, -1e300), 0);
    assert_int_equal(db_bind_null(stmt, 4), 0);
    assert_int_equal(db_step(stmt), DB_DONE);
    db_finalize(stmt);

    assert_int_equal(db_prepare(conn, "SELECT a, b, c, d FROM t ORDER BY b DESC", &stmt), 0);
    assert_int_equal(db_step(stmt), DB_ROW);
    assert_string_equal(db_column_text(stmt, 0), "");
    assert_false(db_column_is_null(stmt, 0));
    assert_true(db_column_int64(stmt, 1) == INT64_MAX);
    assert_true(db_column_double(stmt, 2) == 0.1);
    assert_true(db_column_is_null(stmt, 3));
    assert_int_equal(db_step(stmt), DB_ROW);
    assert_string_equal(db_column_text(stmt, 0), "second");
    assert_true(db_column_int64(stmt, 1) == INT64_MIN);
    assert_true(db_column_double(stmt, 2) == -1e300);
    assert_int_equal(db_step(stmt), DB_DONE);
    db_finalize(stmt);
    db_release(conn);
}

static void test_bind_errors(void **state)
{
    TestDb *t = test_begin(state);
    DbConn *conn = NULL;
    DbStmt *stmt = NULL;
    DbStmt *sentinel = (DbStmt *)0x1;
    DbStmt *unused = sentinel;
    assert_int_equal(db_acquire(t->db, &conn), 0);

    assert_int_equal(db_prepare(conn, "SELECT ? + 1", &stmt), 0);
    assert_int_equal(db_bind_int64(stmt, 0, 1), -EINVAL);
    assert_int_equal(db_bind_int64(stmt, 2, 1), -EINVAL);
    assert_int_equal(db_bind_text(stmt, -1, "x"), -EINVAL);
    assert_int_equal(db_bind_null(stmt, 2), -EINVAL);
    assert_int_equal(db_bind_double(stmt, 2, 1.0), -EINVAL);
    assert_int_equal(db_bind_int64(stmt, 1, 1), 0);
    assert_int_equal(db_step(stmt), DB_ROW);
    assert_int_equal(db_column_int64(stmt, 0), 2);
    assert_int_equal(db_reset(stmt), 0);
    assert_int_equal(db_bind_int64(stmt, 1, 41), 0);
    assert_int_equal(db_step(stmt), DB_ROW);
    assert_int_equal(db_column_int64(stmt, 0), 42);
    db_finalize(stmt);
    db_finalize(NULL);

    /* Syntax errors fail at prepare (SQLite) or at the first step (PostgreSQL). */
    int r = db_prepare(conn, "SELEC 1", &stmt);
    if (r == 0) {
        assert_int_equal(db_step(stmt), ERR_DB);
        db_finalize(stmt);
    } else {
        assert_int_equal(r, ERR_DB);
    }
    assert_true(strlen(db_errmsg(conn)) > 0);

    /* One statement per db_prepare(). */
    r = db_prepare(conn, "SELECT 1; SELECT 2", &stmt);
    if (r == 0) {
        assert_int_equal(db_step(stmt), ERR_DB);
        db_finalize(stmt);
    } else {
        assert_int_equal(r, ERR_DB);
    }
    /* A failed prepare leaves *ret_stmt alone. */
    if (t->kind == DB_KIND_SQLITE) {
        assert_int_equal(db_prepare(conn, "SELEC 1", &unused), ERR_DB);
        assert_ptr_equal(unused, sentinel);
    }
    assert_int_equal(db_exec(conn, "SELEC 1"), ERR_DB);
    assert_true(strlen(db_errmsg(conn)) > 0);
    db_release(conn);
}

static void test_placeholders_in_literals(void **state)
{
    TestDb *t = test_begin(state);
    DbConn *conn = NULL;
    DbStmt *stmt = NULL;
    assert_int_equal(db_acquire(t->db, &conn), 0);

    /* Two real placeholders; every other ? is in a literal, an identifier or a comment. */
    assert_int_equal(db_prepare(conn,
                                "SELECT '?', ?, 'it''s ?', \"x?\" /* ? */\n"
                                "FROM (SELECT 7 AS \"x?\") AS sub -- why ?\n"
                                "WHERE ? > 0 -- ?",
                                &stmt),
                     0);
    assert_int_equal(db_bind_text(stmt, 1, "v"), 0);
    assert_int_equal(db_bind_int64(stmt, 2, 1), 0);
    assert_int_equal(db_bind_int64(stmt, 3, 1), -EINVAL);
    assert_int_equal(db_step(stmt), DB_ROW);
    assert_int_equal(db_column_count(stmt), 4);
    assert_string_equal(db_column_text(stmt, 0), "?");
    assert_string_equal(db_column_text(stmt, 1), "v");
    assert_string_equal(db_column_text(stmt, 2), "it's ?");
    assert_int_equal(db_column_int64(stmt, 3), 7);
    assert_int_equal(db_step(stmt), DB_DONE);
    db_finalize(stmt);

    if (t->kind == DB_KIND_POSTGRES) {
        /* PostgreSQL-only quoting: dollar quotes, E'' escapes, nested comments, $1 as is. */
        assert_int_equal(db_prepare(conn,
                                    "SELECT $$?$$, $tag$ ? $ $tag$, E'\\'?', ? "
                                    "/* a /* ? */ ? */",
                                    &stmt),
                         0);
        assert_int_equal(db_bind_text(stmt, 1, "p"), 0);
        assert_int_equal(db_bind_text(stmt, 2, "q"), -EINVAL);
        assert_int_equal(db_step(stmt), DB_ROW);
        assert_string_equal(db_column_text(stmt, 0), "?");
        assert_string_equal(db_column_text(stmt, 1), " ? $ ");
        assert_string_equal(db_column_text(stmt, 2), "'?");
        assert_string_equal(db_column_text(stmt, 3), "p");
        db_finalize(stmt);
    }
    db_release(conn);
}

static void test_unique_conflict(void **state)
{
    TestDb *t = test_begin(state);
    DbConn *conn = NULL;
    test_migrate_ok(t->db);
    assert_int_equal(db_acquire(t->db, &conn), 0);

    assert_int_equal(test_insert_user(conn, "u1", "alice"), DB_DONE);
    assert_int_equal(test_insert_user(conn, "u2", "alice"), ERR_CONFLICT); /* UNIQUE */
    assert_true(strlen(db_errmsg(conn)) > 0);
    assert_int_equal(test_insert_user(conn, "u1", "bob"), ERR_CONFLICT); /* PRIMARY KEY */
    assert_int_equal(db_exec(conn, "INSERT INTO users (id, username, password_hash, "
                                   "created_at, updated_at) VALUES ('u3', 'alice', 'x', 1, 1)"),
                     ERR_CONFLICT);
    /* Other constraints are plain errors. */
    assert_int_equal(db_exec(conn, "INSERT INTO users (id, username, password_hash, "
                                   "created_at, updated_at) VALUES ('u4', NULL, 'x', 1, 1)"),
                     ERR_DB);
    assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM users"), 1);
    db_release(conn);
}

static void test_transactions(void **state)
{
    TestDb *t = test_begin(state);
    DbConn *conn = NULL;
    DbConn *other = NULL;
    test_migrate_ok(t->db);
    assert_int_equal(db_acquire(t->db, &conn), 0);
    assert_int_equal(db_acquire(t->db, &other), 0);
    assert_ptr_not_equal(conn, other);

    assert_int_equal(db_begin(conn), 0);
    test_insert_library(conn, 1, "one");
    assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM libraries"), 1);
    assert_int_equal(db_rollback(conn), 0);
    assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM libraries"), 0);

    assert_int_equal(db_begin_write(conn), 0);
    test_insert_library(conn, 2, "two");
    assert_int_equal(test_query_int(other, "SELECT COUNT(*) FROM libraries"), 0);
    assert_int_equal(db_commit(conn), 0);
    assert_int_equal(test_query_int(other, "SELECT COUNT(*) FROM libraries"), 1);

    /* A failed statement inside a transaction, then rollback, leaves nothing behind. */
    assert_int_equal(db_begin_write(conn), 0);
    test_insert_library(conn, 3, "three");
    assert_int_equal(db_exec(conn, "INSERT INTO libraries (id, name, path, created_at) "
                                   "VALUES (2, 'two', 'two', 1)"),
                     ERR_CONFLICT);
    assert_int_equal(db_rollback(conn), 0);
    assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM libraries"), 1);

    db_release(other);
    db_release(conn);
}

static void test_release_rolls_back(void **state)
{
    TestDb *t = test_begin(state);
    DbConn *conn = NULL;
    test_migrate_ok(t->db);

    assert_int_equal(db_acquire(t->db, &conn), 0);
    assert_int_equal(db_begin_write(conn), 0);
    test_insert_library(conn, 1, "one");
    db_release(conn); /* no commit */

    assert_int_equal(db_acquire(t->db, &conn), 0);
    assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM libraries"), 0);
    /* The connection is out of any transaction: BEGIN works again. */
    assert_int_equal(db_begin(conn), 0);
    assert_int_equal(db_commit(conn), 0);
    /* A transaction opened with raw SQL is rolled back too. */
    test_exec(conn, "BEGIN");
    test_insert_library(conn, 2, "two");
    db_release(conn);
    assert_int_equal(db_acquire(t->db, &conn), 0);
    assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM libraries"), 0);
    db_release(conn);
}

static void test_changes(void **state)
{
    TestDb *t = test_begin(state);
    DbConn *conn = NULL;
    DbStmt *stmt = NULL;
    test_migrate_ok(t->db);
    assert_int_equal(db_acquire(t->db, &conn), 0);
    test_insert_library(conn, 1, "a");
    test_insert_library(conn, 2, "b");
    test_insert_library(conn, 3, "c");

    assert_int_equal(db_prepare(conn, "UPDATE libraries SET scanned_at = ? WHERE id >= ?", &stmt),
                     0);
    assert_int_equal(db_bind_int64(stmt, 1, 5), 0);
    assert_int_equal(db_bind_int64(stmt, 2, 1), 0);
    assert_int_equal(db_step(stmt), DB_DONE);
    assert_int_equal(db_changes(stmt), 3);
    assert_int_equal(db_reset(stmt), 0);
    assert_int_equal(db_bind_int64(stmt, 1, 6), 0);
    assert_int_equal(db_bind_int64(stmt, 2, 3), 0);
    assert_int_equal(db_step(stmt), DB_DONE);
    assert_int_equal(db_changes(stmt), 1);
    db_finalize(stmt);

    assert_int_equal(db_prepare(conn, "DELETE FROM libraries WHERE id = ?", &stmt), 0);
    assert_int_equal(db_bind_int64(stmt, 1, 99), 0);
    assert_int_equal(db_step(stmt), DB_DONE);
    assert_int_equal(db_changes(stmt), 0);
    db_finalize(stmt);

    assert_int_equal(db_prepare(conn, "SELECT id FROM libraries", &stmt), 0);
    while (db_step(stmt) == DB_ROW) {
    }
    assert_int_equal(db_changes(stmt), 0);
    db_finalize(stmt);
    db_release(conn);
}

static void test_keyset_paging(void **state)
{
    TestDb *t = test_begin(state);
    DbConn *conn = NULL;
    DbStmt *stmt = NULL;
    static const char *const songs[][2] = {
        /* id, sort_title; inserted out of order, with ties on sort_title */
        {"s5", "c"}, {"s2", "b"}, {"s9", "b"}, {"s1", "a"},
        {"s3", "b"}, {"s7", "e"}, {"s6", "d"}, {"s0", "b"},
    };
    static const char *const expected[] = {"s1", "s0", "s2", "s3", "s9", "s5", "s6", "s7"};
    test_migrate_ok(t->db);
    assert_int_equal(db_acquire(t->db, &conn), 0);
    test_insert_library(conn, 1, "lib");

    assert_int_equal(db_begin_write(conn), 0);
    assert_int_equal(db_prepare(conn,
                                "INSERT INTO songs (id, library_id, path, size, mtime, format, "
                                "title, sort_title, created_at, updated_at) "
                                "VALUES (?, ?, ?, 1, 1, 'flac', ?, ?, 1, 1)",
                                &stmt),
                     0);
    for (size_t i = 0; i < sizeof(songs) / sizeof(songs[0]); i++) {
        assert_int_equal(db_bind_text(stmt, 1, songs[i][0]), 0);
        assert_int_equal(db_bind_int64(stmt, 2, 1), 0);
        assert_int_equal(db_bind_text(stmt, 3, songs[i][0]), 0);
        assert_int_equal(db_bind_text(stmt, 4, songs[i][1]), 0);
        assert_int_equal(db_bind_text(stmt, 5, songs[i][1]), 0);
        assert_int_equal(db_step(stmt), DB_DONE);
        assert_int_equal(db_reset(stmt), 0);
    }
    db_finalize(stmt);
    assert_int_equal(db_commit(conn), 0);

    char last_title[16] = "";
    char last_id[16] = "";
    size_t seen = 0;
    int pages = 0;
    assert_int_equal(db_prepare(conn,
                                "SELECT id, sort_title FROM songs "
                                "WHERE (sort_title, id) > (?, ?) "
                                "ORDER BY sort_title, id LIMIT ?",
                                &stmt),
                     0);
    for (;;) {
        int rows = 0;
        assert_int_equal(db_bind_text(stmt, 1, last_title), 0);
        assert_int_equal(db_bind_text(stmt, 2, last_id), 0);
        assert_int_equal(db_bind_int64(stmt, 3, 3), 0);
        int r;
        while ((r = db_step(stmt)) == DB_ROW) {
            assert_true(seen < sizeof(expected) / sizeof(expected[0]));
            assert_string_equal(db_column_text(stmt, 0), expected[seen]);
            snprintf(last_id, sizeof(last_id), "%s", db_column_text(stmt, 0));
            snprintf(last_title, sizeof(last_title), "%s", db_column_text(stmt, 1));
            seen++;
            rows++;
        }
        assert_int_equal(r, DB_DONE);
        assert_int_equal(db_reset(stmt), 0);
        pages++;
        if (rows < 3)
            break;
    }
    db_finalize(stmt);
    assert_int_equal(seen, sizeof(expected) / sizeof(expected[0]));
    assert_int_equal(pages, 3);
    db_release(conn);
}

/* Upserts artist `id`; returns its row as (name, created_at, updated_at). */
static void test_upsert_artist(DbConn *conn, const char *id, const char *name, int64_t now,
                               char *ret_name, size_t name_size, int64_t *ret_created,
                               int64_t *ret_updated)
{
    DbStmt *stmt = NULL;
    assert_int_equal(db_prepare(conn,
                                "INSERT INTO artists (id, name, sort_name, created_at, "
                                "updated_at) VALUES (?, ?, ?, ?, ?) "
                                "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                                "sort_name = excluded.sort_name, updated_at = excluded.updated_at "
                                "RETURNING id, name, created_at, updated_at",
                                &stmt),
                     0);
    assert_int_equal(db_bind_text(stmt, 1, id), 0);
    assert_int_equal(db_bind_text(stmt, 2, name), 0);
    assert_int_equal(db_bind_text(stmt, 3, name), 0);
    assert_int_equal(db_bind_int64(stmt, 4, now), 0);
    assert_int_equal(db_bind_int64(stmt, 5, now), 0);
    assert_int_equal(db_step(stmt), DB_ROW);
    assert_string_equal(db_column_text(stmt, 0), id);
    snprintf(ret_name, name_size, "%s", db_column_text(stmt, 1));
    *ret_created = db_column_int64(stmt, 2);
    *ret_updated = db_column_int64(stmt, 3);
    assert_int_equal(db_step(stmt), DB_DONE);
    assert_int_equal(db_changes(stmt), 1);
    db_finalize(stmt);
}

static void test_upsert_returning(void **state)
{
    TestDb *t = test_begin(state);
    DbConn *conn = NULL;
    char name[64];
    int64_t created = 0;
    int64_t updated = 0;
    test_migrate_ok(t->db);
    assert_int_equal(db_acquire(t->db, &conn), 0);

    test_upsert_artist(conn, "ar1", "Nina", 100, name, sizeof(name), &created, &updated);
    assert_string_equal(name, "Nina");
    assert_int_equal(created, 100);
    assert_int_equal(updated, 100);

    test_upsert_artist(conn, "ar1", "Nina Simone", 200, name, sizeof(name), &created, &updated);
    assert_string_equal(name, "Nina Simone");
    assert_int_equal(created, 100);
    assert_int_equal(updated, 200);
    assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM artists"), 1);
    db_release(conn);
}

typedef struct TestAcquireThread {
    Db *db;
    atomic_int got;
    int result;
} TestAcquireThread;

static void *test_acquire_thread(void *arg)
{
    TestAcquireThread *a = arg;
    DbConn *conn = NULL;
    a->result = db_acquire(a->db, &conn);
    if (a->result == 0) {
        atomic_store(&a->got, 1);
        db_release(conn);
    }
    return NULL;
}

static void test_pool_exhaustion(void **state)
{
    TestDb *t = test_begin(state);
    Db *db = NULL;
    DbConn *c1 = NULL;
    DbConn *c2 = NULL;
    DbConn *c3 = (DbConn *)0x1;
    pthread_t th;
    assert_int_equal(db_open(t->url, 2, &db), 0);
    assert_int_equal(db_acquire(db, &c1), 0);
    assert_int_equal(db_acquire(db, &c2), 0); /* opened lazily */
    assert_ptr_not_equal(c1, c2);

    /* Empty pool: a waiter blocks until a connection comes back. */
    TestAcquireThread a = {.db = db, .result = -1};
    atomic_init(&a.got, 0);
    assert_int_equal(pthread_create(&th, NULL, test_acquire_thread, &a), 0);
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_int_equal(atomic_load(&a.got), 0);
    db_release(c1);
    pthread_join(th, NULL);
    assert_int_equal(a.result, 0);
    assert_int_equal(atomic_load(&a.got), 1);

    /* ... and gives up with ERR_DB_BUSY after the timeout (10 s, shortened here). */
    assert_int_equal(db_acquire(db, &c1), 0);
    db->acquire_timeout_ms = 200;
    struct timespec t0;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(db_acquire(db, &c3), ERR_DB_BUSY);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_ptr_equal(c3, (DbConn *)0x1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(waited >= 0.15 && waited < 5.0);
    db_release(c2);
    db_release(c1);
    assert_int_equal(db_ping(db), 0);
    db_close(db);
}

static void test_ping(void **state)
{
    TestDb *t = test_begin(state);
    assert_int_equal(db_ping(t->db), 0);
    assert_int_equal(db_ping(t->db), 0);
}

/* PostgreSQL sessions plan no parallel workers (db_postgres_connect()). */
static void test_no_parallel(void **state)
{
    TestDb *t = test_begin(state);
    if (t->kind == DB_KIND_SQLITE)
        return;
    DbConn *conn = NULL;
    assert_int_equal(db_acquire(t->db, &conn), 0);
    assert_int_equal(
        test_query_int(conn, "SELECT current_setting('max_parallel_workers_per_gather')::int"), 0);
    db_release(conn);
    assert_int_equal(db_acquire_bulk(t->db, &conn), 0);
    assert_int_equal(
        test_query_int(conn, "SELECT current_setting('max_parallel_workers_per_gather')::int"), 0);
    db_release(conn);
}

/* db_set_map_size() maps connections borrowed with db_acquire() (SQLite), never those
 * borrowed with db_acquire_bulk(); one connection switches back and forth as its borrowers
 * change, and what one kind writes the other reads. PostgreSQL ignores the size. */
static void test_map_size(void **state)
{
    TestDb *t = test_begin(state);
    Db *db = NULL;
    DbConn *conn = NULL;
    bool sqlite = t->kind == DB_KIND_SQLITE;
    assert_int_equal(db_open(t->url, 1, &db), 0); /* one connection: every borrow reuses it */
    db_set_map_size(db, 4u << 20);
    test_migrate_ok(db);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(db_acquire(db, &conn), 0);
        if (sqlite)
            assert_int_equal(test_query_int(conn, "PRAGMA mmap_size"), 4 << 20);
        assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM libraries"), round);
        db_release(conn);

        assert_int_equal(db_acquire_bulk(db, &conn), 0);
        if (sqlite)
            assert_int_equal(test_query_int(conn, "PRAGMA mmap_size"), 0);
        test_insert_library(conn, round + 1, round ? "second" : "first");
        db_release(conn);
    }
    assert_int_equal(db_acquire(db, &conn), 0);
    if (sqlite)
        assert_int_equal(test_query_int(conn, "PRAGMA mmap_size"), 4 << 20);
    assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM libraries"), 2);
    db_release(conn);
    db_close(db);

    /* With two idle connections, each kind of borrower gets the one already set its way,
     * whichever was released last. */
    DbConn *mapped = NULL, *bulk = NULL;
    assert_int_equal(db_open(t->url, 2, &db), 0);
    db_set_map_size(db, 4u << 20);
    assert_int_equal(db_acquire(db, &mapped), 0);
    assert_int_equal(db_acquire_bulk(db, &bulk), 0);
    assert_ptr_not_equal(mapped, bulk);
    for (int round = 0; round < 2; round++) {
        db_release(round ? bulk : mapped);
        db_release(round ? mapped : bulk); /* released last: on top of the stack */
        assert_int_equal(db_acquire(db, &conn), 0);
        if (sqlite) /* PostgreSQL connections have no map: the last released comes first */
            assert_ptr_equal(conn, mapped);
        db_release(conn);
        assert_int_equal(db_acquire_bulk(db, &conn), 0);
        if (sqlite)
            assert_ptr_equal(conn, bulk);
        db_release(conn);
        assert_int_equal(db_acquire(db, &mapped), 0);
        assert_int_equal(db_acquire_bulk(db, &bulk), 0);
    }
    db_release(mapped);
    db_release(bulk);
    db_close(db);
}

/* Adds song `id` to library 1. */
static void test_insert_song(DbConn *conn, const char *id)
{
    DbStmt *stmt = NULL;
    assert_int_equal(db_prepare(conn,
                                "INSERT INTO songs (id, library_id, path, size, mtime, format, "
                                "title, sort_title, created_at, updated_at) "
                                "VALUES (?, 1, ?, 1, 1, 'mp3', ?, ?, 1, 1)",
                                &stmt),
                     0);
    for (int i = 1; i <= 4; i++)
        assert_int_equal(db_bind_text(stmt, i, id), 0);
    assert_int_equal(db_step(stmt), DB_DONE);
    db_finalize(stmt);
}

/* Runs db_optimize() on a connection of the pool and returns whether it analysed. */
static bool test_optimize(Db *db)
{
    DbConn *conn = NULL;
    bool analyzed = true;
    assert_int_equal(db_acquire_bulk(db, &conn), 0);
    assert_int_equal(db_optimize(conn, &analyzed), 0);
    db_release(conn);
    return analyzed;
}

/* db_optimize() analyses on SQLite when the songs table has rows and the statistics are
 * missing, a doubling or halving old, or lack an index created since; else it leaves them.
 * PostgreSQL never analyses (autovacuum does). */
static void test_optimize_stats(void **state)
{
    TestDb *t = test_begin(state);
    bool sqlite = t->kind == DB_KIND_SQLITE;
    DbConn *conn = NULL;
    test_migrate_ok(t->db);
    assert_false(test_optimize(t->db)); /* no songs: nothing worth knowing */
    assert_int_equal(db_acquire(t->db, &conn), 0);
    test_insert_library(conn, 1, "music");
    test_insert_song(conn, "s1");
    db_release(conn);
    assert_true(test_optimize(t->db) == sqlite); /* never analysed */
    assert_false(test_optimize(t->db));          /* nothing changed */
    assert_int_equal(db_acquire(t->db, &conn), 0);
    if (sqlite)
        /* a row per index of songs that holds an entry (10 since migration 0013) */
        assert_int_equal(
            test_query_int(conn, "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'songs'"), 10);
    test_insert_song(conn, "s2");
    db_release(conn);
    assert_true(test_optimize(t->db) == sqlite); /* twice the rows */
    assert_false(test_optimize(t->db));
    assert_int_equal(db_acquire(t->db, &conn), 0);
    test_exec(conn, "CREATE INDEX songs_test_title ON songs (title)");
    db_release(conn);
    assert_true(test_optimize(t->db) == sqlite); /* an index without statistics */
    assert_false(test_optimize(t->db));
    assert_int_equal(db_acquire(t->db, &conn), 0);
    if (sqlite)
        assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM sqlite_stat1 "
                                              "WHERE idx = 'songs_test_title'"),
                         1);
    test_exec(conn, "DELETE FROM songs WHERE id = 's2'");
    db_release(conn);
    assert_true(test_optimize(t->db) == sqlite); /* half the rows */
}

/* Whether song_genres holds (song, genre) with the keys sort_title, missing, library_id. */
static bool test_genre_keys_are(DbConn *conn, const char *song, const char *sort, int missing,
                                int library)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM song_genres WHERE song_id = '%s' AND genre_id = 'g1' AND "
             "sort_title = '%s' AND missing = %d AND library_id = %d",
             song, sort, missing, library);
    return test_query_int(conn, sql) == 1;
}

/* Migration 0014: a row of song_genres carries its song's sort_title, missing and library_id,
 * whoever writes it (inserted without them or with wrong ones, moved to another song), and
 * follows every change of the song; song_genres_sort lists a genre's present songs by
 * (sort_title, id). */
static void test_genre_keys(void **state)
{
    TestDb *t = test_begin(state);
    DbConn *conn = NULL;
    test_migrate_ok(t->db);
    assert_int_equal(db_acquire(t->db, &conn), 0);
    test_insert_library(conn, 1, "music");
    test_insert_library(conn, 2, "more");
    test_insert_song(conn, "s1");
    test_insert_song(conn, "s2");
    test_exec(conn, "INSERT INTO genres (id, name, sort_name) VALUES ('g1', 'Jazz', 'jazz')");
    test_exec(conn, "INSERT INTO song_genres (song_id, genre_id) VALUES ('s1', 'g1')");
    assert_true(test_genre_keys_are(conn, "s1", "s1", 0, 1));
    test_exec(conn, "INSERT INTO song_genres (song_id, genre_id, sort_title, missing, library_id) "
                    "VALUES ('s2', 'g1', 'wrong', 1, 2)");
    assert_true(test_genre_keys_are(conn, "s2", "s2", 0, 1));
    /* title order: s2 renamed before s1 */
    test_exec(conn, "UPDATE songs SET sort_title = 'a' WHERE id = 's2'");
    assert_true(test_genre_keys_are(conn, "s2", "a", 0, 1));
    assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM song_genres WHERE genre_id = 'g1' "
                                          "AND missing = 0 AND (sort_title, song_id) < ('b', '')"),
                     1);
    test_exec(conn, "UPDATE songs SET missing = 1, library_id = 2 WHERE id = 's1'");
    assert_true(test_genre_keys_are(conn, "s1", "s1", 1, 2));
    test_exec(conn, "UPDATE songs SET missing = 0 WHERE id = 's1'");
    assert_true(test_genre_keys_are(conn, "s1", "s1", 0, 2));
    /* the scanner's move: a song's rows go to another song, which lends them its keys */
    test_exec(conn, "DELETE FROM song_genres WHERE song_id = 's1'");
    test_exec(conn, "UPDATE song_genres SET song_id = 's1' WHERE song_id = 's2'");
    assert_true(test_genre_keys_are(conn, "s1", "s1", 0, 2));
    assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM song_genres"), 1);
    db_release(conn);
}

/* Whether `table` is among the n names of `tables`. */
static bool test_named(const char *const *tables, size_t n, const char *table)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(tables[i], table) == 0)
            return true;
    }
    return false;
}

/* db_migrate_rewritten() names each table the migrations after a version rewrite ("--
 * vacuum:" lines), once, on PostgreSQL only; db_vacuum() sets such a table's visibility map
 * (so index-only scans skip the table) and takes plain lower-case names only. */
static void test_vacuum_rewritten(void **state)
{
    TestDb *t = test_begin(state);
    test_migrate_ok(t->db);
    const char *tables[16];
    size_t n = db_migrate_rewritten(t->db, 0, tables, 16);
    if (t->kind == DB_KIND_SQLITE) {
        assert_int_equal(n, 0);
        assert_int_equal(db_vacuum(t->db, "song_genres"), -EINVAL);
        return;
    }
    /* 0014 rewrote song_genres, 0017 filled album_play_counts */
    assert_true(n >= 2 && n <= 16);
    assert_string_equal(tables[0], "song_genres");
    assert_true(test_named(tables, n, "album_play_counts"));
    for (size_t i = 0; i < n; i++) {
        for (size_t k = i + 1; k < n; k++)
            assert_string_not_equal(tables[i], tables[k]);
    }
    size_t after14 = db_migrate_rewritten(t->db, 14, tables, 16);
    assert_int_equal(after14, n - 1);
    assert_false(test_named(tables, after14, "song_genres"));
    assert_int_equal(db_migrate_rewritten(t->db, 0, tables, 1), n); /* the count, past max */
    assert_string_equal(tables[0], "song_genres");
    assert_int_equal(db_migrate_rewritten(t->db, test_last_version(t->kind), tables, 16), 0);

    DbConn *conn = NULL;
    assert_int_equal(db_acquire(t->db, &conn), 0);
    /* A row is marked visible to all only once its commit is on disk: the test server runs
     * with synchronous_commit = off, so this commit waits for it. */
    assert_int_equal(db_begin_write(conn), 0);
    test_exec(conn, "SET LOCAL synchronous_commit = on");
    test_insert_library(conn, 1, "music");
    test_insert_song(conn, "s1");
    test_exec(conn, "INSERT INTO genres (id, name, sort_name) VALUES ('g1', 'Jazz', 'jazz')");
    test_exec(conn, "INSERT INTO song_genres (song_id, genre_id) VALUES ('s1', 'g1')");
    assert_int_equal(db_commit(conn), 0);
    const char *visible = "SELECT relallvisible FROM pg_class WHERE relname = 'song_genres'";
    assert_int_equal(test_query_int(conn, visible), 0);
    db_release(conn);
    assert_int_equal(db_vacuum(t->db, "song_genres"), 0);
    assert_int_equal(db_acquire(t->db, &conn), 0);
    assert_int_equal(test_query_int(conn, visible), 1);
    assert_int_equal(test_query_int(conn, "SELECT COUNT(*) FROM song_genres"), 1);
    db_release(conn);
    assert_int_equal(db_vacuum(t->db, "song_genres; DROP TABLE songs"), -EINVAL);
    assert_int_equal(db_vacuum(t->db, "Songs"), -EINVAL);
    assert_int_equal(db_vacuum(t->db, ""), -EINVAL);
    assert_int_equal(db_vacuum(t->db, "no_such_table"), ERR_DB);
}

static int test_cmp_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks column `col` (one of migration 0020's lists) of song `song` against `want`: the same
 * entries, in any order. */
static void test_refs_are(DbConn *conn, const char *song, const char *col, const char *want)
{
    char sql[128], got[256], *entries[16];
    snprintf(sql, sizeof(sql), "SELECT %s FROM songs WHERE id = ?", col);
    DbStmt *stmt = NULL;
    assert_int_equal(db_prepare(conn, sql, &stmt), 0);
    assert_int_equal(db_bind_text(stmt, 1, song), 0);
    assert_int_equal(db_step(stmt), DB_ROW);
    snprintf(got, sizeof(got), "%s", db_column_text(stmt, 0));
    db_finalize(stmt);
    size_t n = 0;
    for (char *e = got; *e && n < 16;) {
        entries[n++] = e;
        char *comma = strchr(e, ',');
        if (!comma)
            break;
        *comma = '\0';
        e = comma + 1;
    }
    qsort(entries, n, sizeof(*entries), test_cmp_text);
    char sorted[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof(sorted); i++)
        len +=
            (size_t)snprintf(sorted + len, sizeof(sorted) - len, "%s%s", i ? "," : "", entries[i]);
    if (strcmp(sorted, want) != 0)
        fail_msg("%s of %s: \"%s\", want \"%s\"", col, song, sorted, want);
}

/* Migration 0020: songs.artist_refs, album_artist_refs and genre_refs follow song_artists,
 * album_artists (through the song's album) and song_genres, whoever writes: inserted,
 * updated, moved to another song, deleted by a cascade; a new song or one moved to another
 * album takes its lists; a list written directly is put back. */
static void test_song_refs(void **state)
{
    TestDb *t = test_begin(state);
    DbConn *conn = NULL;
    test_migrate_ok(t->db);
    assert_int_equal(db_acquire(t->db, &conn), 0);
    test_insert_library(conn, 1, "music");
    test_insert_song(conn, "s1");
    test_insert_song(conn, "s2");
    test_exec(conn, "INSERT INTO artists (id, name, sort_name, created_at, updated_at) VALUES "
                    "('a1', 'A', 'a', 1, 1), ('a2', 'B', 'b', 1, 1), ('a3', 'C', 'c', 1, 1)");
    test_exec(conn, "INSERT INTO genres (id, name, sort_name) VALUES ('g1', 'Jazz', 'jazz'), "
                    "('g2', 'Funk', 'funk')");
    test_exec(conn, "INSERT INTO albums (id, name, sort_name, created_at, updated_at) VALUES "
                    "('al1', 'One', 'one', 1, 1), ('al2', 'Two', 'two', 1, 1)");
    test_refs_are(conn, "s1", "artist_refs", "");
    test_exec(conn, "INSERT INTO song_artists (song_id, artist_id, position) VALUES "
                    "('s1', 'a1', 0), ('s1', 'a2', 1)");
    test_exec(conn,
              "INSERT INTO song_genres (song_id, genre_id) VALUES ('s1', 'g2'), ('s1', 'g1')");
    test_refs_are(conn, "s1", "artist_refs", "0 a1,1 a2");
    test_refs_are(conn, "s1", "genre_refs", "g1,g2");
    test_exec(conn, "INSERT INTO album_artists (album_id, artist_id, position) VALUES "
                    "('al1', 'a3', 0), ('al2', 'a2', 0)");
    test_exec(conn, "UPDATE songs SET album_id = 'al1' WHERE id IN ('s1', 's2')");
    test_refs_are(conn, "s1", "album_artist_refs", "0 a3");
    test_refs_are(conn, "s2", "album_artist_refs", "0 a3");
    /* an album's new artist reaches each of its songs; a new song takes its album's */
    test_exec(conn, "INSERT INTO album_artists (album_id, artist_id, position) VALUES "
                    "('al1', 'a1', 1)");
    test_refs_are(conn, "s2", "album_artist_refs", "0 a3,1 a1");
    test_exec(conn, "INSERT INTO songs (id, library_id, path, size, mtime, format, title, "
                    "sort_title, album_id, created_at, updated_at) VALUES ('s3', 1, 's3', 1, 1, "
                    "'mp3', 's3', 's3', 'al1', 1, 1)");
    test_refs_are(conn, "s3", "album_artist_refs", "0 a3,1 a1");
    test_exec(conn, "UPDATE songs SET album_id = 'al2' WHERE id = 's3'");
    test_refs_are(conn, "s3", "album_artist_refs", "0 a2");
    test_exec(conn, "UPDATE album_artists SET album_id = 'al2' WHERE artist_id = 'a3'");
    test_refs_are(conn, "s1", "album_artist_refs", "1 a1");
    test_refs_are(conn, "s3", "album_artist_refs", "0 a2,0 a3");
    /* the scanner's move: a song's rows go to another song */
    test_exec(conn, "UPDATE song_artists SET position = 5 WHERE song_id = 's1' AND "
                    "artist_id = 'a2'");
    test_refs_are(conn, "s1", "artist_refs", "0 a1,5 a2");
    test_exec(conn, "UPDATE song_artists SET song_id = 's2' WHERE song_id = 's1'");
    test_exec(conn, "UPDATE song_genres SET song_id = 's2' WHERE genre_id = 'g1'");
    test_refs_are(conn, "s1", "artist_refs", "");
    test_refs_are(conn, "s2", "artist_refs", "0 a1,5 a2");
    test_refs_are(conn, "s1", "genre_refs", "g2");
    test_refs_are(conn, "s2", "genre_refs", "g1");
    /* a list written by hand is put back */
    test_exec(conn, "UPDATE songs SET artist_refs = 'x', album_artist_refs = 'y', "
                    "genre_refs = 'z' WHERE id = 's2'");
    test_refs_are(conn, "s2", "artist_refs", "0 a1,5 a2");
    test_refs_are(conn, "s2", "album_artist_refs", "1 a1");
    test_refs_are(conn, "s2", "genre_refs", "g1");
    /* deletes, by hand and by cascade */
    test_exec(conn, "DELETE FROM song_genres WHERE song_id = 's1'");
    test_refs_are(conn, "s1", "genre_refs", "");
    test_exec(conn, "DELETE FROM artists WHERE id = 'a1'");
    test_refs_are(conn, "s2", "artist_refs", "5 a2");
    test_refs_are(conn, "s2", "album_artist_refs", "");
    test_exec(conn, "DELETE FROM albums WHERE id = 'al2'");
    test_refs_are(conn, "s3", "album_artist_refs", "");
    db_release(conn);
}

/* Runs "SELECT ? + k" (its own SQL text per k) with `v` bound and checks the sum. */
static void test_add(DbConn *conn, int k, int64_t v)
{
    char sql[64];
    snprintf(sql, sizeof(sql), "SELECT ? + %d", k);
    DbStmt *stmt = NULL;
    assert_int_equal(db_prepare(conn, sql, &stmt), 0);
    assert_int_equal(db_bind_int64(stmt, 1, v), 0);
    assert_int_equal(db_step(stmt), DB_ROW);
    assert_int_equal(db_column_int64(stmt, 0), v + k);
    assert_int_equal(db_step(stmt), DB_DONE);
    db_finalize(stmt);
}

/* Waits up to two seconds for the stamp of `name` in `db` to differ from `old`. */
static int64_t test_stamp_moves(Db *db, const char *name, int64_t old)
{
    int64_t now = old;
    for (int i = 0; i < 200 && now == old; i++) {
        assert_int_equal(db_generation_get(db, NULL, name, &now), 0);
        if (now == old)
            usleep(10000);
    }
    return now;
}

/* Generations: a commit moves the stamp for this process at once, a rollback does not, and
 * another pool on the same database (another process) sees the commit too - on PostgreSQL
 * through its LISTEN connection, on SQLite within DB_GENERATION_FRESH_US. */
static void test_generations(void **state)
{
    TestDb *t = test_begin(state);
    int applied;
    assert_int_equal(db_migrate(t->db, &applied), 0);
    Db *other = NULL;
    assert_int_equal(db_open(t->url, 2, &other), 0);
    int64_t a0, b0, u0, x;
    assert_int_equal(db_generation_get(t->db, NULL, DB_GENERATION_LIBRARY, &a0), 0);
    assert_int_equal(db_generation_get(other, NULL, DB_GENERATION_LIBRARY, &b0), 0);
    assert_int_equal(db_generation_get(t->db, NULL, DB_GENERATION_USERS, &u0), 0);
    assert_int_equal(db_generation_get(t->db, NULL, "Bad-Name", &x), -EINVAL);
    assert_int_equal(db_generation_get(t->db, NULL, "", &x), -EINVAL);

    DbConn *conn;
    assert_int_equal(db_acquire(t->db, &conn), 0);
    assert_int_equal(db_generation_bump(conn, "no such name!"), -EINVAL);
    /* The time of the last change: the migration's until a bump commits. */
    int64_t t0, t1;
    assert_int_equal(db_generation_changed_at(conn, DB_GENERATION_LIBRARY, &t0), 0);
    assert_true(t0 > 1600000000000 && t0 <= (int64_t)time(NULL) * 1000 + 1000);
    assert_int_equal(db_generation_changed_at(conn, "Bad-Name", &x), -EINVAL);
    /* Rolled back: nothing moves. */
    assert_int_equal(db_begin_write(conn), 0);
    assert_int_equal(db_generation_bump(conn, DB_GENERATION_LIBRARY), 0);
    assert_int_equal(db_rollback(conn), 0);
    assert_int_equal(db_generation_get(t->db, conn, DB_GENERATION_LIBRARY, &x), 0);
    assert_true(x == a0);
    assert_int_equal(db_generation_changed_at(conn, DB_GENERATION_LIBRARY, &t1), 0);
    assert_true(t1 == t0);
    /* Committed: this pool sees it on its next read, with or without a connection. */
    assert_int_equal(db_begin_write(conn), 0);
    assert_int_equal(db_generation_bump(conn, DB_GENERATION_LIBRARY), 0);
    assert_int_equal(db_commit(conn), 0);
    assert_int_equal(db_generation_get(t->db, conn, DB_GENERATION_LIBRARY, &x), 0);
    assert_true(x > a0);
    /* ... and its time moved on, by at least one even within the same millisecond. */
    assert_int_equal(db_generation_changed_at(conn, DB_GENERATION_LIBRARY, &t1), 0);
    assert_true(t1 > t0);
    assert_int_equal(db_generation_bump(conn, DB_GENERATION_LIBRARY), 0);
    assert_int_equal(db_generation_bump(conn, DB_GENERATION_LIBRARY), 0);
    assert_int_equal(db_generation_changed_at(conn, DB_GENERATION_LIBRARY, &t0), 0);
    assert_true(t0 >= t1 + 2);
    db_release(conn);
    /* The other pool (another process) sees it; the other generation did not move. */
    assert_true(test_stamp_moves(other, DB_GENERATION_LIBRARY, b0) > b0);
    assert_int_equal(db_generation_get(t->db, NULL, DB_GENERATION_USERS, &x), 0);
    assert_true(x == u0);

    /* Outside a transaction the bump commits at once and counts at once. */
    int64_t o_users;
    assert_int_equal(db_generation_get(other, NULL, DB_GENERATION_USERS, &o_users), 0);
    assert_int_equal(db_acquire(other, &conn), 0);
    assert_int_equal(db_generation_bump(conn, DB_GENERATION_USERS), 0);
    db_release(conn);
    assert_int_equal(db_generation_get(other, NULL, DB_GENERATION_USERS, &x), 0);
    assert_true(x > o_users);
    assert_true(test_stamp_moves(t->db, DB_GENERATION_USERS, u0) > u0);
    db_close(other);

    /* db_generation_peek() never reads the table: a pool that has not read it knows nothing;
     * once it has (and, on PostgreSQL, its LISTEN connection is up), it agrees with
     * db_generation_get(). */
    assert_int_equal(db_open(t->url, 1, &other), 0);
    assert_int_equal(db_generation_peek(other, DB_GENERATION_LIBRARY, &x), -EAGAIN);
    assert_int_equal(db_generation_peek(other, "Bad-Name", &x), -EINVAL);
    int64_t got = 0, peeked = 0;
    int r = -EAGAIN;
    for (int i = 0; i < 200 && r != 0; i++) {
        assert_int_equal(db_generation_get(other, NULL, DB_GENERATION_LIBRARY, &got), 0);
        r = db_generation_peek(other, DB_GENERATION_LIBRARY, &peeked);
        if (r != 0)
            usleep(10000);
    }
    assert_int_equal(r, 0);
    assert_true(peeked == got);
    /* A commit of another process shows through peeks alone: the refresher (SQLite) or the
     * watcher (PostgreSQL) reads it for them. */
    DbConn *wconn;
    assert_int_equal(db_acquire(t->db, &wconn), 0);
    assert_int_equal(db_generation_bump(wconn, DB_GENERATION_LIBRARY), 0);
    db_release(wconn);
    bool moved = false;
    for (int i = 0; i < 2000 && !moved; i++) {
        moved = db_generation_peek(other, DB_GENERATION_LIBRARY, &x) == 0 && x > got;
        if (!moved)
            usleep(1000);
    }
    assert_true(moved);
    if (t->kind == DB_KIND_SQLITE) {
        /* With no peek for a while nothing reads the table: the read is then too old. */
        bool stale = false;
        for (int i = 0; i < 100 && !stale; i++) {
            usleep(4 * DB_GENERATION_FRESH_US);
            stale = db_generation_peek(other, DB_GENERATION_LIBRARY, &x) == -EAGAIN;
        }
        assert_true(stale);
    }
    db_close(other);
}

/* Statements are cached per connection (prepared on the server on PostgreSQL): far more
 * distinct statements than the cache holds, each run again after eviction, still answer
 * right; a statement that fails in a transaction, and one prepared in the failed
 * transaction, fail without spoiling the cache once the transaction is rolled back. */
static void test_statement_reuse(void **state)
{
    TestDb *t = test_begin(state);
    DbConn *conn = NULL;
    assert_int_equal(db_acquire(t->db, &conn), 0);
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < 200; k++)
            test_add(conn, k, round * 1000 + k);
    }
    test_add(conn, 7, 1);
    test_add(conn, 7, 2);

    DbStmt *stmt = NULL;
    assert_int_equal(db_begin(conn), 0);
    assert_int_equal(db_prepare(conn, "SELECT CAST(? AS INTEGER) / 0", &stmt), 0);
    assert_int_equal(db_bind_int64(stmt, 1, 1), 0);
    int r = db_step(stmt);
    db_finalize(stmt);
    if (t->kind == DB_KIND_POSTGRES) {
        assert_int_equal(r, ERR_DB); /* division by zero aborts the transaction */
        assert_int_equal(db_prepare(conn, "SELECT ? + 1000", &stmt), 0);
        assert_int_equal(db_bind_int64(stmt, 1, 1), 0);
        assert_int_equal(db_step(stmt), ERR_DB);
        db_finalize(stmt);
    } else {
        assert_int_equal(r, DB_ROW); /* SQLite answers NULL */
    }
    assert_int_equal(db_rollback(conn), 0);
    test_add(conn, 1000, 1);
    test_add(conn, 7, 3);
    db_release(conn);
}

static void test_reconnect(void **state)
{
    TestDb *t = test_begin(state);
    Db *db = NULL;
    DbConn *conn = NULL;
    DbConn *admin = NULL;
    DbStmt *stmt = NULL;
    assert_int_equal(db_open(t->url, 1, &db), 0);
    if (t->kind == DB_KIND_SQLITE) {
        /* A file never drops the connection: acquire and ping keep working. */
        assert_int_equal(db_acquire(db, &conn), 0);
        db_release(conn);
        assert_int_equal(db_ping(db), 0);
        db_close(db);
        return;
    }
    assert_int_equal(db_acquire(db, &conn), 0);
    int64_t pid = test_query_int(conn, "SELECT pg_backend_pid()");
    db_release(conn);

    assert_int_equal(db_acquire(t->db, &admin), 0);
    assert_int_equal(db_prepare(admin, "SELECT pg_terminate_backend(?)", &stmt), 0);
    assert_int_equal(db_bind_int64(stmt, 1, pid), 0);
    assert_int_equal(db_step(stmt), DB_ROW);
    db_finalize(stmt);
    /* Wait until the server has closed it. */
    for (int i = 0; i < 50; i++) {
        assert_int_equal(
            db_prepare(admin, "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?", &stmt), 0);
        assert_int_equal(db_bind_int64(stmt, 1, pid), 0);
        assert_int_equal(db_step(stmt), DB_ROW);
        int64_t n = db_column_int64(stmt, 0);
        db_finalize(stmt);
        if (n == 0)
            break;
        struct timespec pause = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    db_release(admin);

    /* The dropped connection is reset on acquire. */
    assert_int_equal(db_acquire(db, &conn), 0);
    int64_t pid2 = test_query_int(conn, "SELECT pg_backend_pid()");
    assert_true(pid2 != pid);
    db_release(conn);
    assert_int_equal(db_ping(db), 0);
    db_close(db);
}

static void test_redaction(void **state)
{
    TestDb *t = test_begin(state);
    char out[64];
    db_redact(out, sizeof(out), "password hunter2 rejected: hunter2\n", "hunter2");
    assert_string_equal(out, "password *** rejected: ***");
    db_redact(out, sizeof(out), "no secret here", NULL);
    assert_string_equal(out, "no secret here");
    db_redact(out, 8, "0123456789", "");
    assert_string_equal(out, "0123456");

    if (t->kind == DB_KIND_SQLITE)
        return;
    /* A password in the URL never shows in db_describe() or db_errmsg(). The test server
     * is expected to trust local connections, so an unneeded password is ignored. */
    char url[2200];
    Db *db = NULL;
    DbConn *conn = NULL;
    snprintf(url, sizeof(url), "%s&password=hunter2secret", t->url);
    int r = db_open(url, 1, &db);
    if (r != 0) {
        print_message("# the server refused the extra password: case skipped\n");
        skip();
    }
    assert_null(strstr(db_describe(db), "hunter2secret"));
    assert_null(strstr(db_describe(db), "password"));
    assert_int_equal(db_acquire(db, &conn), 0);
    assert_int_equal(db_exec(conn, "SELECT 'hunter2secret'::integer"), ERR_DB);
    assert_null(strstr(db_errmsg(conn), "hunter2secret"));
    assert_non_null(strstr(db_errmsg(conn), "***"));
    db_release(conn);
    db_close(db);
}

/* ---- the table -------------------------------------------------------------------- */

#define TEST_DB_CASES(X)                                                                           \
    X(test_open_close)                                                                             \
    X(test_bad_urls)                                                                               \
    X(test_migrate)                                                                                \
    X(test_migrate_concurrent)                                                                     \
    X(test_columns)                                                                                \
    X(test_bind_errors)                                                                            \
    X(test_placeholders_in_literals)                                                               \
    X(test_unique_conflict)                                                                        \
    X(test_transactions)                                                                           \
    X(test_release_rolls_back)                                                                     \
    X(test_changes)                                                                                \
    X(test_keyset_paging)                                                                          \
    X(test_upsert_returning)                                                                       \
    X(test_pool_exhaustion)                                                                        \
    X(test_ping)                                                                                   \
    X(test_no_parallel)                                                                            \
    X(test_statement_reuse)                                                                        \
    X(test_map_size)                                                                               \
    X(test_optimize_stats)                                                                         \
    X(test_genre_keys)                                                                             \
    X(test_vacuum_rewritten)                                                                       \
    X(test_song_refs)                                                                              \
    X(test_reconnect)                                                                              \
    X(test_generations)                                                                            \
    X(test_redaction)

#define TEST_SQLITE_CASE(fn)   {"sqlite_" #fn, fn, test_setup_sqlite, test_teardown, NULL},
#define TEST_POSTGRES_CASE(fn) {"postgres_" #fn, fn, test_setup_postgres, test_teardown, NULL},

int main(void)
{
    /* One cmocka group (TAP allows one plan per program); the PostgreSQL half is the
     * "postgres_" cases, all skipped without SWAZ_TEST_PG_URL. */
    static const struct CMUnitTest tests[] = {TEST_DB_CASES(TEST_SQLITE_CASE)
                                                  TEST_DB_CASES(TEST_POSTGRES_CASE)};
    return cmocka_run_group_tests_name("db", tests, NULL, NULL) ? 1 : 0;
}
