/*
 * db_sqlite.c - the SQLite backend of db.h.
 *
 * One sqlite3 handle per pool slot, opened without SQLite's own mutexes (NOMUTEX): the pool
 * hands a connection to one thread at a time. Every connection runs with journal_mode=WAL,
 * foreign_keys=ON, busy_timeout=5000 and synchronous=NORMAL. Errors map to ERR_DB_BUSY
 * (BUSY/LOCKED), ERR_CONFLICT (UNIQUE/PRIMARY KEY constraint) or ERR_DB.
 */
#include "core/err.h"
#include "core/fold.h"
#include "core/str.h"
#include "db/db_internal.h"

#include <sqlite3.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prepared statements kept per connection after db_finalize(), found again by their SQL
 * text: the API runs the same few queries over and over. */
#define DB_SQLITE_STMT_CACHE 48

typedef struct DbSqliteConn {
    DbConn base;
    sqlite3 *handle;
    sqlite3_stmt *cache[DB_SQLITE_STMT_CACHE]; /* reset, unbound, not in use; NULL: free */
    unsigned cache_next;                       /* the slot to evict next */
} DbSqliteConn;

typedef struct DbSqliteStmt {
    DbStmt base;
    sqlite3_stmt *st;
    bool has_row;    /* the last step returned a row */
    bool done;       /* stepped to the end; db_reset() runs it again */
    int64_t changes; /* rows changed, captured when the statement reached DB_DONE */
} DbSqliteStmt;

/* Busy timeout first: switching to WAL needs a lock another connection may hold. */
/* Reads go through an 8 MiB page cache per connection, filled only as pages are used. A
 * connection opens with no memory map; db.c sets one per borrower (conn_map below): the
 * db_set_map_size() size for db_acquire(), none for db_acquire_bulk(). Scans borrow bulk:
 * every page a mapped file had touched counted in the process's RSS (a 100,000-song scan
 * peaked at 322 MB, 200 MB of it the mapped file). Requests borrow mapped: at 1M songs (2 GB
 * file) a page rendered past the page cache read most of its pages with pread(), a 4 KiB
 * kernel copy each, 36 % of the CPU. Measured at 1M songs, spread pages, 64 connections:
 * songs 587-613 -> 1,104-1,184 requests/s, search 1,400 -> 2,296; the server's RSS then
 * 2.7-3.1 GB, nearly all RssFile (the kernel's page cache of the file seen through each
 * connection's map: clean, reclaimable), RssAnon 47 -> 13-24 MB. Scan bench, 100,000 songs,
 * after the change: first scan 37 s peak 79 MB, rescan 1.0 s, serve idle 44 MB. */
/* The write-ahead log is copied back into the database once it holds 16,384 pages (64 MiB)
 * rather than SQLite's 1,000: a scan rewrites the same index pages transaction after
 * transaction, and each checkpoint wrote them all again. First scan of 100,000 files: 62-69 s
 * with the default, 49 s with this (same binary otherwise, back to back). */
static const char *const DB_SQLITE_PRAGMAS = "PRAGMA busy_timeout = 5000;"
                                             "PRAGMA foreign_keys = ON;"
                                             "PRAGMA synchronous = NORMAL;"
                                             "PRAGMA mmap_size = 0;"
                                             "PRAGMA cache_size = -8192;"
                                             "PRAGMA wal_autocheckpoint = 16384;";

static sqlite3 *db_sqlite_handle(DbConn *conn)
{
    return ((DbSqliteConn *)conn)->handle;
}

static DbSqliteStmt *db_sqlite_stmt(DbStmt *stmt)
{
    return (DbSqliteStmt *)stmt;
}

/* Maps an extended SQLite result code to a project error. */
static int db_sqlite_map(int rc)
{
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        return ERR_DB_BUSY;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return ERR_CONFLICT;
    return ERR_DB;
}

/* Records the connection's current error message and returns the mapped `rc`. */
static int db_sqlite_fail(DbConn *conn, int rc)
{
    db_conn_set_error(conn, sqlite3_errmsg(db_sqlite_handle(conn)));
    return db_sqlite_map(rc);
}

/* SQLite's allocation statistics, on by default, take one process-wide mutex around every
 * malloc and free (this build has no lookaside memory, so a query allocates often): the
 * server's threads queued on it. Nothing reads the statistics. */
static void db_sqlite_global_config(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* SQLITE_MISUSE once initialised: harmless */
}

static int db_sqlite_configure(Db *db, const char *url)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, db_sqlite_global_config);
    const char *path = url;
    if (str_has_prefix(url, "sqlite://")) {
        path = url + strlen("sqlite://"); /* sqlite:///abs/path.db; no host part */
        if (path[0] != '/')
            return -EINVAL;
    } else if (str_has_prefix(url, "sqlite:")) {
        path = url + strlen("sqlite:");
    }
    if (!*path || strcmp(path, ":memory:") == 0 || str_has_prefix(path, "file:"))
        return -EINVAL;

    size_t len = strlen(path);
    db->target = strdup(path);
    db->describe = malloc(len + sizeof("sqlite:"));
    if (!db->target || !db->describe)
        return -ENOMEM;
    memcpy(db->describe, "sqlite:", strlen("sqlite:"));
    memcpy(db->describe + strlen("sqlite:"), path, len + 1);
    return 0;
}

/* Checks that the journal is in WAL mode (switching to it if needed). 0 or ERR_DB. */
static int db_sqlite_enable_wal(sqlite3 *h)
{
    sqlite3_stmt *st = NULL;
    int r = ERR_DB;
    if (sqlite3_prepare_v2(h, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK)
        return ERR_DB;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *mode = sqlite3_column_text(st, 0);
        if (mode && strcmp((const char *)mode, "wal") == 0)
            r = 0;
    }
    sqlite3_finalize(st);
    return r;
}

/* SQL function swaz_search_key(text): fold_search_key() of its argument, NULL for NULL. The
 * search triggers (migration 0007) store it for every name; deterministic, so SQLite may
 * evaluate it once per row. */
static void db_sqlite_search_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *s = sqlite3_value_text(argv[0]);
    if (!s) {
        sqlite3_result_null(ctx);
        return;
    }
    size_t len = (size_t)sqlite3_value_bytes(argv[0]);
    char *out = sqlite3_malloc64(FOLD_CAP(len));
    if (!out) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    size_t n = fold_search_key((const char *)s, len, out);
    sqlite3_result_text64(ctx, out, n, sqlite3_free, SQLITE_UTF8);
}

static int db_sqlite_conn_open(Db *db, DbConn **ret_conn)
{
    sqlite3 *h = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int r = ERR_DB;

    DbSqliteConn *conn = calloc(1, sizeof(*conn));
    if (!conn)
        return -ENOMEM;
    if (sqlite3_open_v2(db->target, &h, flags, NULL) != SQLITE_OK)
        goto out_close;
    sqlite3_extended_result_codes(h, 1);
    if (sqlite3_exec(h, DB_SQLITE_PRAGMAS, NULL, NULL, NULL) != SQLITE_OK)
        goto out_close;
    if (db_sqlite_enable_wal(h) < 0)
        goto out_close;
    if (sqlite3_create_function_v2(h, "swaz_search_key", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                   db_sqlite_search_key, NULL, NULL, NULL) != SQLITE_OK)
        goto out_close;

    conn->base.db = db;
    conn->handle = h;
    *ret_conn = &conn->base;
    return 0;

out_close:
    sqlite3_close(h); /* NULL is a no-op */
    free(conn);
    return r;
}

static void db_sqlite_conn_close(DbConn *conn)
{
    if (!conn)
        return;
    DbSqliteConn *c = (DbSqliteConn *)conn;
    for (size_t i = 0; i < DB_SQLITE_STMT_CACHE; i++)
        sqlite3_finalize(c->cache[i]); /* NULL is a no-op */
    sqlite3_close_v2(c->handle);
    free(conn);
}

/* Takes a cached statement for `sql` out of the cache, or returns NULL. */
static sqlite3_stmt *db_sqlite_cache_take(DbSqliteConn *c, const char *sql)
{
    for (size_t i = 0; i < DB_SQLITE_STMT_CACHE; i++) {
        if (c->cache[i] && strcmp(sqlite3_sql(c->cache[i]), sql) == 0) {
            sqlite3_stmt *st = c->cache[i];
            c->cache[i] = NULL;
            return st;
        }
    }
    return NULL;
}

/* Keeps a finished statement for reuse, evicting the oldest when the cache is full. */
static void db_sqlite_cache_put(DbSqliteConn *c, sqlite3_stmt *st)
{
    if (sqlite3_reset(st) != SQLITE_OK || sqlite3_clear_bindings(st) != SQLITE_OK) {
        sqlite3_finalize(st);
        return;
    }
    for (size_t i = 0; i < DB_SQLITE_STMT_CACHE; i++) {
        if (!c->cache[i]) {
            c->cache[i] = st;
            return;
        }
    }
    unsigned slot = c->cache_next++ % DB_SQLITE_STMT_CACHE;
    sqlite3_finalize(c->cache[slot]);
    c->cache[slot] = st;
}

static int db_sqlite_conn_check(DbConn *conn)
{
    (void)conn; /* a file does not drop the connection */
    return 0;
}

static bool db_sqlite_conn_in_transaction(DbConn *conn)
{
    return sqlite3_get_autocommit(db_sqlite_handle(conn)) == 0;
}

static void db_sqlite_conn_quiesce(DbConn *conn)
{
    sqlite3 *h = db_sqlite_handle(conn);
    for (sqlite3_stmt *st = sqlite3_next_stmt(h, NULL); st; st = sqlite3_next_stmt(h, st))
        sqlite3_reset(st);
}

static int db_sqlite_exec(DbConn *conn, const char *sql)
{
    sqlite3 *h = db_sqlite_handle(conn);
    if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_sqlite_fail(conn, sqlite3_extended_errcode(h));
    return 0;
}

/* PRAGMA mmap_size unmaps at once when it shrinks to 0, and maps at once when it grows. */
static int db_sqlite_conn_map(DbConn *conn, uint64_t bytes)
{
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA mmap_size = %" PRIu64, bytes);
    return db_sqlite_exec(conn, sql);
}

/* Runs `sql` (one integer column) and writes its first row's value. 0 or ERR_DB. */
static int db_sqlite_query_int64(DbConn *conn, const char *sql, int64_t *ret_value)
{
    sqlite3_stmt *st = NULL;
    sqlite3 *h = db_sqlite_handle(conn);
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *ret_value = sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        }
    }
    int r = rc == SQLITE_OK ? 0 : db_sqlite_fail(conn, rc);
    sqlite3_finalize(st);
    return r;
}

/* ANALYZE when the statistics are missing or stale (db.h). A partial index has none while
 * no row matches it (songs_missing), so those do not count as new. Without statistics SQLite
 * guesses from the schema alone, and prefers a unique index to a covering one (migrations
 * 0008, 0011); statistics that a migration's new index lacks make it skip that index even
 * where the rest were analysed. ANALYZE reads every index: 2.7 s at 1M songs, once per
 * doubling or halving of the library, so repeated scans of a growing library analyse
 * about twice its final size in all. */
static int db_sqlite_optimize(DbConn *conn, bool *ret_analyzed)
{
    int64_t rows = 0, has_stats = 0, analysed_rows = 0, new_indexes = 0;
    int r = db_sqlite_query_int64(conn, "SELECT COUNT(*) FROM songs", &rows);
    if (r == 0)
        r = db_sqlite_query_int64(conn,
                                  "SELECT COUNT(*) FROM sqlite_master "
                                  "WHERE type = 'table' AND name = 'sqlite_stat1'",
                                  &has_stats);
    if (r == 0 && has_stats)
        r = db_sqlite_query_int64(conn,
                                  "SELECT COALESCE(MAX(CAST(stat AS INTEGER)), 0) "
                                  "FROM sqlite_stat1 WHERE tbl = 'songs'",
                                  &analysed_rows);
    if (r == 0 && has_stats)
        r = db_sqlite_query_int64(conn,
                                  "SELECT COUNT(*) FROM sqlite_master m WHERE m.type = 'index' "
                                  "AND m.tbl_name IN (SELECT tbl FROM sqlite_stat1) "
                                  "AND COALESCE(m.sql, '') NOT LIKE '% WHERE %' "
                                  "AND m.name NOT IN "
                                  "(SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL)",
                                  &new_indexes);
    if (r < 0)
        return r;
    bool stale = analysed_rows == 0 || rows >= 2 * analysed_rows || 2 * rows <= analysed_rows ||
                 new_indexes > 0;
    if (rows == 0 || !stale) {
        *ret_analyzed = false;
        return 0;
    }
    if ((r = db_sqlite_exec(conn, "ANALYZE")) < 0)
        return r;
    *ret_analyzed = true;
    return 0;
}

static int db_sqlite_migrate_lock(DbConn *conn)
{
    (void)conn; /* each migration runs under BEGIN IMMEDIATE, which serialises writers */
    return 0;
}

static void db_sqlite_migrate_unlock(DbConn *conn)
{
    (void)conn;
}

static int db_sqlite_prepare(DbConn *conn, const char *sql, DbStmt **ret_stmt)
{
    sqlite3 *h = db_sqlite_handle(conn);
    sqlite3_stmt *st = NULL;
    sqlite3_stmt *extra = NULL;
    const char *tail = NULL;
    int r;

    st = db_sqlite_cache_take((DbSqliteConn *)conn, sql);
    if (st)
        goto out_wrap;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, &tail);
    if (rc != SQLITE_OK)
        return db_sqlite_fail(conn, rc);
    if (!st) {
        db_conn_set_error(conn, "empty SQL statement");
        return ERR_DB;
    }
    /* One statement only: what follows may be blanks and comments, nothing else. */
    if (tail && *tail) {
        rc = sqlite3_prepare_v2(h, tail, -1, &extra, NULL);
        sqlite3_finalize(extra);
        if (rc != SQLITE_OK || extra) {
            db_conn_set_error(conn, "more than one SQL statement");
            r = ERR_DB;
            goto out_finalize;
        }
    }

out_wrap:;
    DbSqliteStmt *stmt = calloc(1, sizeof(*stmt));
    if (!stmt) {
        r = -ENOMEM;
        goto out_finalize;
    }
    stmt->base.conn = conn;
    stmt->st = st;
    *ret_stmt = &stmt->base;
    return 0;

out_finalize:
    sqlite3_finalize(st);
    return r;
}

/* Maps the result of a sqlite3_bind_* call. */
static int db_sqlite_bind_result(int rc)
{
    if (rc == SQLITE_OK)
        return 0;
    return rc == SQLITE_NOMEM ? -ENOMEM : -EINVAL;
}

static int db_sqlite_check_index(DbSqliteStmt *s, int idx)
{
    return idx >= 1 && idx <= sqlite3_bind_parameter_count(s->st) ? 0 : -EINVAL;
}

static int db_sqlite_bind_text(DbStmt *stmt, int idx, const char *value)
{
    DbSqliteStmt *s = db_sqlite_stmt(stmt);
    if (db_sqlite_check_index(s, idx) < 0)
        return -EINVAL;
    return db_sqlite_bind_result(sqlite3_bind_text(s->st, idx, value, -1, SQLITE_TRANSIENT));
}

static int db_sqlite_bind_int64(DbStmt *stmt, int idx, int64_t value)
{
    DbSqliteStmt *s = db_sqlite_stmt(stmt);
    if (db_sqlite_check_index(s, idx) < 0)
        return -EINVAL;
    return db_sqlite_bind_result(sqlite3_bind_int64(s->st, idx, value));
}

static int db_sqlite_bind_double(DbStmt *stmt, int idx, double value)
{
    DbSqliteStmt *s = db_sqlite_stmt(stmt);
    if (db_sqlite_check_index(s, idx) < 0)
        return -EINVAL;
    return db_sqlite_bind_result(sqlite3_bind_double(s->st, idx, value));
}

static int db_sqlite_bind_null(DbStmt *stmt, int idx)
{
    DbSqliteStmt *s = db_sqlite_stmt(stmt);
    if (db_sqlite_check_index(s, idx) < 0)
        return -EINVAL;
    return db_sqlite_bind_result(sqlite3_bind_null(s->st, idx));
}

static int db_sqlite_step(DbStmt *stmt)
{
    DbSqliteStmt *s = db_sqlite_stmt(stmt);
    if (s->done)
        return DB_DONE;
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW) {
        s->has_row = true;
        return DB_ROW;
    }
    s->has_row = false;
    if (rc == SQLITE_DONE) {
        s->done = true;
        s->changes = sqlite3_stmt_readonly(s->st) ? 0 : sqlite3_changes64(sqlite3_db_handle(s->st));
        return DB_DONE;
    }
    return db_sqlite_fail(stmt->conn, rc);
}

static int db_sqlite_reset(DbStmt *stmt)
{
    DbSqliteStmt *s = db_sqlite_stmt(stmt);
    sqlite3_reset(s->st); /* repeats the last step's error, already reported */
    sqlite3_clear_bindings(s->st);
    s->has_row = false;
    s->done = false;
    s->changes = 0;
    return 0;
}

static int db_sqlite_column_count(DbStmt *stmt)
{
    return sqlite3_column_count(db_sqlite_stmt(stmt)->st);
}

/* True if `col` names a column of the current row. */
static bool db_sqlite_valid_column(DbSqliteStmt *s, int col)
{
    return s->has_row && col >= 0 && col < sqlite3_column_count(s->st);
}

static bool db_sqlite_column_is_null(DbStmt *stmt, int col)
{
    DbSqliteStmt *s = db_sqlite_stmt(stmt);
    if (!db_sqlite_valid_column(s, col))
        return true;
    return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

static const char *db_sqlite_column_text(DbStmt *stmt, int col)
{
    DbSqliteStmt *s = db_sqlite_stmt(stmt);
    if (!db_sqlite_valid_column(s, col))
        return NULL;
    return (const char *)sqlite3_column_text(s->st, col);
}

static int64_t db_sqlite_column_int64(DbStmt *stmt, int col)
{
    DbSqliteStmt *s = db_sqlite_stmt(stmt);
    if (!db_sqlite_valid_column(s, col))
        return 0;
    return sqlite3_column_int64(s->st, col);
}

static double db_sqlite_column_double(DbStmt *stmt, int col)
{
    DbSqliteStmt *s = db_sqlite_stmt(stmt);
    if (!db_sqlite_valid_column(s, col))
        return 0.0;
    return sqlite3_column_double(s->st, col);
}

static int64_t db_sqlite_changes(DbStmt *stmt)
{
    return db_sqlite_stmt(stmt)->changes;
}

static void db_sqlite_finalize(DbStmt *stmt)
{
    DbSqliteStmt *s = db_sqlite_stmt(stmt);
    db_sqlite_cache_put((DbSqliteConn *)stmt->conn, s->st);
    free(s);
}

const DbBackend db_sqlite_backend = {
    .kind = DB_KIND_SQLITE,
    .begin_write_sql = "BEGIN IMMEDIATE",
    .has_migrations_sql = "SELECT COUNT(*) FROM sqlite_master "
                          "WHERE type = 'table' AND name = 'schema_migrations'",
    .migrations = db_migrations_sqlite,
    .migrations_count = &db_migrations_sqlite_count,
    .configure = db_sqlite_configure,
    .conn_open = db_sqlite_conn_open,
    .conn_close = db_sqlite_conn_close,
    .conn_check = db_sqlite_conn_check,
    .conn_in_transaction = db_sqlite_conn_in_transaction,
    .conn_map = db_sqlite_conn_map,
    .optimize = db_sqlite_optimize,
    .conn_quiesce = db_sqlite_conn_quiesce,
    .exec = db_sqlite_exec,
    .migrate_lock = db_sqlite_migrate_lock,
    .migrate_unlock = db_sqlite_migrate_unlock,
    .prepare = db_sqlite_prepare,
    .bind_text = db_sqlite_bind_text,
    .bind_int64 = db_sqlite_bind_int64,
    .bind_double = db_sqlite_bind_double,
    .bind_null = db_sqlite_bind_null,
    .step = db_sqlite_step,
    .reset = db_sqlite_reset,
    .column_count = db_sqlite_column_count,
    .column_is_null = db_sqlite_column_is_null,
    .column_text = db_sqlite_column_text,
    .column_int64 = db_sqlite_column_int64,
    .column_double = db_sqlite_column_double,
    .changes = db_sqlite_changes,
    .finalize = db_sqlite_finalize,
};
