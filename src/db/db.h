/*
 * db.h - the storage interface: one API, two real backends (SQLite and PostgreSQL).
 *
 * A Db is a pool of connections opened from a URL: "sqlite:/path/file.db" (or a plain path)
 * selects SQLite (WAL, foreign keys, busy timeout); "postgres://..." or "postgresql://..."
 * selects PostgreSQL through libpq. SQL is written once with `?` placeholders; the
 * PostgreSQL backend rewrites them to $1, $2, ... Both backends accept the same dialect for
 * everything outside migrations: INSERT ... ON CONFLICT, RETURNING, row values in keyset
 * paging `(a, b) > (?, ?)`, COALESCE, LIMIT.
 *
 * Threads: db_open/db_close from one thread; db_acquire/db_release from any thread (the
 * pool is guarded by a mutex and blocks up to a timeout when empty). A DbConn and the
 * DbStmts made from it belong to one thread until released.
 * This folder is the only place that includes sqlite3.h or libpq-fe.h.
 */
#ifndef SWAZ_DB_DB_H
#define SWAZ_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Db Db;
typedef struct DbConn DbConn;
typedef struct DbStmt DbStmt;

typedef enum { DB_KIND_SQLITE, DB_KIND_POSTGRES } DbKind;

/* db_step() results besides negative errors. */
enum { DB_DONE = 0, DB_ROW = 1 };

/* Opens a pool of up to `pool_size` connections (1..LIMIT_DB_POOL_MAX) to `url`, opening
 * one connection at once to fail early. Returns 0, -EINVAL (bad URL) or ERR_DB.
 * Caller frees with db_close(). */
int db_open(const char *url, int pool_size, Db **ret_db);

/* Closes every connection. All DbConns must have been released. db_close(NULL) is a no-op. */
void db_close(Db *db);

/* Returns the backend of the pool. */
DbKind db_kind(const Db *db);

/* Returns a short description of the URL with any password removed, e.g.
 * "postgres://swaz@127.0.0.1:5432/swaz" or "sqlite:/var/lib/swaz/swaz.db". Borrowed until
 * db_close(). */
const char *db_describe(const Db *db);

/* Borrows a connection from the pool, reconnecting it if the server dropped it. Blocks
 * up to 10 s when every connection is in use. Returns 0, ERR_DB_BUSY (timeout) or ERR_DB.
 * Give it back with db_release(). */
int db_acquire(Db *db, DbConn **ret_conn);

/* Borrows a connection like db_acquire() for a job that reads much of the database once (a
 * library scan): on SQLite it reads without the memory map of db_set_map_size(), so the
 * pages it passes over do not stay counted in the process's resident memory. Same returns
 * as db_acquire(); give it back with db_release(). */
int db_acquire_bulk(Db *db, DbConn **ret_conn);

/* Sets how many bytes of an SQLite database file each connection borrowed with db_acquire()
 * reads through a memory map (0, the default: none; SQLite caps it at its compile-time
 * SQLITE_MAX_MMAP_SIZE). No effect on PostgreSQL. Call once after db_open(), before the
 * pool is shared between threads; connections take the size the next time they are
 * borrowed. */
void db_set_map_size(Db *db, uint64_t bytes);

/* The pointers the pool carries for the layers above it (db_set_data()). */
typedef enum DbDataSlot {
    DB_DATA_NAMES, /* the library's cache of names, library_names.h */
    DB_DATA_MARKS, /* the library's offset marks, library_marks.h */
    DB_DATA_SLOTS
} DbDataSlot;

/* Sets pointer `slot` (< DB_DATA_SLOTS) the pool carries for the layers above it, as libuv's
 * `data` fields. Call after db_open(), before the pool is shared between threads; the pool
 * never reads or frees it. */
void db_set_data(Db *db, DbDataSlot slot, void *data);

/* Returns the pointer db_set_data() gave slot `slot` of the pool `conn` belongs to (NULL by
 * default), and writes that pool to *ret_db when ret_db is not NULL. Any thread. */
void *db_conn_data(DbConn *conn, DbDataSlot slot, Db **ret_db);

/* True while `conn` has a transaction open (begun by db_begin*() or raw SQL, or failed and
 * not yet rolled back). */
bool db_in_transaction(DbConn *conn);

/* Returns a connection to the pool; an open transaction is rolled back. NULL is a no-op. */
void db_release(DbConn *conn);

/* Checks that the database answers (SELECT 1 on a pooled connection). 0 or ERR_DB. */
int db_ping(Db *db);

/* Applies every migration newer than the schema's version, each in its own transaction,
 * and records it in schema_migrations; when any applied, runs db_optimize(). Safe to call
 * concurrently from several processes (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock).
 * Writes the number applied to *ret_applied. Returns 0 or ERR_DB. */
int db_migrate(Db *db, int *ret_applied);

/* Writes to ret_tables (room for `max`) the tables that the migrations newer than
 * `from_version` rewrite (their "-- vacuum:" lines), each once, in migration order, and
 * returns how many there are (more than `max` when some did not fit). Strings are static.
 * PostgreSQL only: after a table is rewritten, its index-only scans read the table until a
 * VACUUM sets its visibility map again, and autovacuum may come much later. SQLite lists
 * none: db_migrate()'s db_optimize() analyses there. */
size_t db_migrate_rewritten(Db *db, int from_version, const char **ret_tables, size_t max);

/* Runs VACUUM (ANALYZE) on `table`, one of db_migrate_rewritten()'s, on a bulk connection
 * outside any transaction. Returns 0, -EINVAL (not a plain lower-case name, or a backend
 * without the statement), ERR_DB or ERR_DB_BUSY. */
int db_vacuum(Db *db, const char *table);

/* Brings the query planner's statistics up to date where they are missing or stale, on a
 * connection the caller holds outside a transaction (borrowed with db_acquire_bulk(): it
 * may read the whole file). SQLite runs ANALYZE when the songs table has rows and either no
 * statistics, or twice or half the rows it had when last analysed, or an index created
 * after its table was last analysed (by a migration); otherwise it only counts. PostgreSQL
 * does nothing (autovacuum analyses). Writes whether ANALYZE ran to *ret_analyzed. Returns
 * 0, ERR_DB or ERR_DB_BUSY. */
int db_optimize(DbConn *conn, bool *ret_analyzed);

/* Returns the schema version (highest applied migration) or a negative error. */
int db_schema_version(Db *db, int *ret_version);

/* Runs SQL without parameters or results (may hold several statements on SQLite).
 * Returns 0 or ERR_DB / ERR_DB_BUSY / ERR_CONFLICT (unique violation). */
int db_exec(DbConn *conn, const char *sql);

/* Transactions. db_begin_write() takes the write lock at once on SQLite (BEGIN IMMEDIATE)
 * so that a writer never fails half-way with SQLITE_BUSY. */
int db_begin(DbConn *conn);
int db_begin_write(DbConn *conn);
int db_commit(DbConn *conn);
int db_rollback(DbConn *conn);

/* Prepares one statement with `?` placeholders. Returns 0 or ERR_DB.
 * Caller frees with db_finalize(). */
int db_prepare(DbConn *conn, const char *sql, DbStmt **ret_stmt);

/* Binds parameter `idx` (1-based). Text is copied. Returns 0, -EINVAL (bad index) or
 * -ENOMEM. */
int db_bind_text(DbStmt *stmt, int idx, const char *value);
int db_bind_int64(DbStmt *stmt, int idx, int64_t value);
int db_bind_double(DbStmt *stmt, int idx, double value);
int db_bind_null(DbStmt *stmt, int idx);

/* Executes the statement (on the first call) and advances to the next row. Returns DB_ROW
 * while a row is available, DB_DONE at the end, or ERR_DB / ERR_DB_BUSY / ERR_CONFLICT. */
int db_step(DbStmt *stmt);

/* Clears the bindings and results so the statement can be bound and stepped again. */
int db_reset(DbStmt *stmt);

/* Column accessors for the current row (0-based). Text is borrowed until the next
 * db_step(), db_reset() or db_finalize(); NULL for SQL NULL. */
int db_column_count(DbStmt *stmt);
bool db_column_is_null(DbStmt *stmt, int col);
const char *db_column_text(DbStmt *stmt, int col);
int64_t db_column_int64(DbStmt *stmt, int col);
double db_column_double(DbStmt *stmt, int col);

/* Number of rows changed by the last INSERT/UPDATE/DELETE stepped to DB_DONE. */
int64_t db_changes(DbStmt *stmt);

/* Frees the statement. db_finalize(NULL) is a no-op. */
void db_finalize(DbStmt *stmt);

/* ---- generations: change counters shared by every process on the database ----
 * A generation is a named counter in the table `generations` (migration 0010; the names
 * below). A writer adds one inside the transaction that changes what the
 * counter covers; a reader that kept something computed from those rows keeps it only while
 * the value it reads has not moved. Values only grow. */

/* Longest generation name, in bytes. */
#define DB_GENERATION_NAME_MAX 31

/* The generations the table holds; other names are refused (-EINVAL). */
#define DB_GENERATION_LIBRARY "library" /* what scans write: every library answer */
#define DB_GENERATION_USERS   "users"   /* users and user_libraries: who may do what */

/* How long a value read from the generations table is used before it is read again where no
 * watcher follows the changes (SQLite): another process's commit shows within this. */
#define DB_GENERATION_FRESH_US 1000

/* Adds one to generation `name` inside the open write transaction of `conn`; the change is
 * seen by everyone once it commits (db_commit() also notes it for this process at once).
 * Returns 0, -EINVAL (not a DB_GENERATION_* name) or ERR_DB / ERR_DB_BUSY. */
int db_generation_bump(DbConn *conn, const char *name);

/* Writes a stamp of generation `name` as this process sees it: equal stamps mean no change
 * committed between the two reads that this process could know of. This process's own
 * commits count at once. Another's show once PostgreSQL's notification arrives (a
 * LISTEN/NOTIFY connection of the pool's own follows them, started on the first call), or on
 * SQLite (or while that connection is down) within DB_GENERATION_FRESH_US, the longest a
 * read of the table is reused. `conn` is a connection the caller holds, used when the table
 * must be read, or NULL to borrow one then (never NULL while holding another connection of
 * the same pool). Returns 0, -EINVAL, ERR_DB or ERR_DB_BUSY. Any thread. */
int db_generation_get(Db *db, DbConn *conn, const char *name, int64_t *ret_stamp);

/* As db_generation_get() when the stamp is known without reading the database: followed by
 * the notification connection, or from a read of the table less than twice
 * DB_GENERATION_FRESH_US old. A peek that finds that read older than DB_GENERATION_FRESH_US
 * asks the pool's refresher thread (started then, stopped by db_close()) to read the table
 * again, so while peeks keep coming the read stays fresh without their callers ever reading
 * it. Never blocks on the database. Returns 0, -EINVAL or -EAGAIN (older than that: ask
 * db_generation_get()). Any thread. */
int db_generation_peek(Db *db, const char *name, int64_t *ret_stamp);

/* Writes when generation `name` last moved, in Unix milliseconds, as committed in the table
 * (read on `conn` each call; another process's commit shows at once): the clock when the
 * last committed bump ran, or the time of migration 0018 when none ran since. Each bump moves
 * it forward by at least 1, even when the clock went back. Returns 0, -EINVAL, -ENOENT (no such
 * row), ERR_DB or ERR_DB_BUSY. */
int db_generation_changed_at(DbConn *conn, const char *name, int64_t *ret_ms);

/* Returns the last error message of the connection (never holding a password), for logs.
 * Borrowed until the next call on `conn`. */
const char *db_errmsg(DbConn *conn);

#endif
