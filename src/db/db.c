/*
 * db.c - the backend-neutral half of the storage interface: URL dispatch, the connection
 * pool (mutex + condition variable, lazy connect, bounded wait), migrations, and the thin
 * public wrappers that forward to the backend vtable (db_sqlite.c, db_postgres.c).
 */
#include "db/db.h"

#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "db/db_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const DB_MIGRATIONS_TABLE_SQL =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)";

void db_redact(char *dst, size_t size, const char *msg, const char *secret)
{
    if (size == 0)
        return;
    size_t out = 0;
    size_t secret_len = secret ? strlen(secret) : 0;
    const char *p = msg ? msg : "";
    while (*p && out + 1 < size) {
        if (secret_len > 0 && strncmp(p, secret, secret_len) == 0) {
            for (const char *m = "***"; *m && out + 1 < size; m++)
                dst[out++] = *m;
            p += secret_len;
            continue;
        }
        dst[out++] = *p++;
    }
    while (out > 0 && (dst[out - 1] == '\n' || dst[out - 1] == '\r' || dst[out - 1] == ' '))
        out--;
    dst[out] = '\0';
}

void db_conn_set_error(DbConn *conn, const char *msg)
{
    db_redact(conn->errmsg, sizeof(conn->errmsg), msg, conn->db->secret);
}

/* Picks the backend from the URL scheme. Returns 0 or -EINVAL. */
static int db_backend_for_url(const char *url, const DbBackend **ret_backend)
{
    if (str_has_prefix(url, "postgres://") || str_has_prefix(url, "postgresql://")) {
        *ret_backend = &db_postgres_backend;
        return 0;
    }
    if (str_has_prefix(url, "sqlite:") || !strstr(url, "://")) {
        *ret_backend = &db_sqlite_backend;
        return 0;
    }
    return -EINVAL;
}

static void db_free(Db *db)
{
    if (!db)
        return;
    free(db->target);
    free(db->describe);
    if (db->secret) {
        explicit_bzero(db->secret, strlen(db->secret));
        free(db->secret);
    }
    free(db);
}

int db_open(const char *url, int pool_size, Db **ret_db)
{
    const DbBackend *backend = NULL;
    if (!url || !*url || pool_size < 1 || pool_size > LIMIT_DB_POOL_MAX)
        return -EINVAL;
    int r = db_backend_for_url(url, &backend);
    if (r < 0)
        return r;

    Db *db = calloc(1, sizeof(*db));
    if (!db)
        return -ENOMEM;
    db->kind = backend->kind;
    db->backend = backend;
    db->pool_size = pool_size;
    db->acquire_timeout_ms = DB_ACQUIRE_TIMEOUT_MS;
    r = backend->configure(db, url);
    if (r < 0)
        goto out_free;

    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) {
        r = -ENOMEM;
        goto out_free;
    }
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int cr = pthread_cond_init(&db->cond, &attr);
    pthread_condattr_destroy(&attr);
    if (cr != 0) {
        r = -ENOMEM;
        goto out_free;
    }
    if (pthread_mutex_init(&db->mu, NULL) != 0) {
        r = -ENOMEM;
        goto out_cond;
    }
    if (pthread_mutex_init(&db->gen_mu, NULL) != 0) {
        r = -ENOMEM;
        goto out_mu;
    }
    if (pthread_cond_init(&db->gen_cv, NULL) != 0) {
        pthread_mutex_destroy(&db->gen_mu);
        r = -ENOMEM;
        goto out_mu;
    }

    /* One connection at once, so that a wrong URL or a server that is down fails here. */
    DbConn *first = NULL;
    r = backend->conn_open(db, &first);
    if (r < 0)
        goto out_gen_mu;
    db->idle[db->n_idle++] = first;
    db->n_open = 1;
    *ret_db = db;
    return 0;

out_gen_mu:
    pthread_cond_destroy(&db->gen_cv);
    pthread_mutex_destroy(&db->gen_mu);
out_mu:
    pthread_mutex_destroy(&db->mu);
out_cond:
    pthread_cond_destroy(&db->cond);
out_free:
    db_free(db);
    return r;
}

void db_close(Db *db)
{
    if (!db)
        return;
    if (atomic_load(&db->watch_started) && db->backend->watch_stop)
        db->backend->watch_stop(db);
    pthread_mutex_lock(&db->gen_mu);
    db->gen_stop = true;
    bool refresher = db->gen_thread_on;
    pthread_cond_signal(&db->gen_cv);
    pthread_mutex_unlock(&db->gen_mu);
    if (refresher)
        pthread_join(db->gen_thread, NULL); /* it returns its connection first */
    /* Every DbConn has been released (db.h), so every open connection is idle. */
    for (int i = 0; i < db->n_idle; i++)
        db->backend->conn_close(db->idle[i]);
    pthread_cond_destroy(&db->gen_cv);
    pthread_mutex_destroy(&db->gen_mu);
    pthread_mutex_destroy(&db->mu);
    pthread_cond_destroy(&db->cond);
    db_free(db);
}

DbKind db_kind(const Db *db)
{
    return db->kind;
}

const char *db_describe(const Db *db)
{
    return db->describe;
}

/* Computes the absolute CLOCK_MONOTONIC time `ms` from now. */
static struct timespec db_deadline(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Gives a connection slot back after a connection was closed or failed to open. */
static void db_drop_slot(Db *db)
{
    pthread_mutex_lock(&db->mu);
    db->n_open--;
    pthread_cond_signal(&db->cond);
    pthread_mutex_unlock(&db->mu);
}

void db_set_map_size(Db *db, uint64_t bytes)
{
    db->map_bytes = bytes;
}

void db_set_data(Db *db, DbDataSlot slot, void *data)
{
    if (slot < DB_DATA_SLOTS)
        db->data[slot] = data;
}

void *db_conn_data(DbConn *conn, DbDataSlot slot, Db **ret_db)
{
    if (ret_db)
        *ret_db = conn->db;
    return slot < DB_DATA_SLOTS ? conn->db->data[slot] : NULL;
}

bool db_in_transaction(DbConn *conn)
{
    return conn->db->backend->conn_in_transaction(conn);
}

/* Takes an idle connection out of the stack (db->mu held, n_idle > 0): the most recently
 * released one whose map already has `map_bytes`, else the most recently released. A scan
 * and requests running at once then keep to their own connections instead of unmapping
 * and mapping again (and faulting in again) one they pass back and forth. */
static DbConn *db_idle_take(Db *db, uint64_t map_bytes)
{
    int pick = db->n_idle - 1;
    for (int i = db->n_idle - 1; i >= 0; i--) {
        if (db->idle[i]->map_bytes == map_bytes) {
            pick = i;
            break;
        }
    }
    DbConn *conn = db->idle[pick];
    memmove(&db->idle[pick], &db->idle[pick + 1], (size_t)(db->n_idle - 1 - pick) * sizeof(conn));
    db->n_idle--;
    return conn;
}

/* Borrows a connection (db_acquire()) whose memory map is set to `map_bytes` of the file,
 * changing it only when the connection's last borrower wanted another size. */
static int db_take(Db *db, uint64_t map_bytes, DbConn **ret_conn)
{
    DbConn *conn = NULL;
    bool must_open = false;
    struct timespec deadline = db_deadline(db->acquire_timeout_ms);
    if (!db->backend->conn_map)
        map_bytes = 0; /* nothing to map: every connection is alike */

    pthread_mutex_lock(&db->mu);
    for (;;) {
        if (db->n_idle > 0) {
            conn = db_idle_take(db, map_bytes);
            break;
        }
        if (db->n_open < db->pool_size) {
            db->n_open++; /* reserve the slot; connect outside the lock */
            must_open = true;
            break;
        }
        int w = pthread_cond_timedwait(&db->cond, &db->mu, &deadline);
        if (w == ETIMEDOUT && db->n_idle == 0 && db->n_open >= db->pool_size) {
            pthread_mutex_unlock(&db->mu);
            return ERR_DB_BUSY;
        }
    }
    pthread_mutex_unlock(&db->mu);

    int r;
    if (must_open) {
        r = db->backend->conn_open(db, &conn);
        if (r < 0)
            goto out_drop;
    } else {
        r = db->backend->conn_check(conn);
        if (r < 0)
            goto out_close;
    }
    if (conn->map_bytes != map_bytes) {
        r = db->backend->conn_map(conn, map_bytes);
        if (r < 0)
            goto out_close;
        conn->map_bytes = map_bytes;
    }
    conn->errmsg[0] = '\0';
    *ret_conn = conn;
    return 0;

out_close:
    db->backend->conn_close(conn);
out_drop:
    db_drop_slot(db);
    return r;
}

int db_acquire(Db *db, DbConn **ret_conn)
{
    return db_take(db, db->map_bytes, ret_conn);
}

int db_acquire_bulk(Db *db, DbConn **ret_conn)
{
    return db_take(db, 0, ret_conn);
}

void db_release(DbConn *conn)
{
    if (!conn)
        return;
    Db *db = conn->db;
    conn->bumped = 0;
    db->backend->conn_quiesce(conn);
    if (db->backend->conn_in_transaction(conn))
        (void)db->backend->exec(conn, "ROLLBACK");
    pthread_mutex_lock(&db->mu);
    db->idle[db->n_idle++] = conn;
    pthread_cond_signal(&db->cond);
    pthread_mutex_unlock(&db->mu);
}

/* Runs `sql` (no parameters) and reads one integer from its first row into *ret_value. */
static int db_query_int64(DbConn *conn, const char *sql, int64_t *ret_value)
{
    DbStmt *stmt = NULL;
    int r = db_prepare(conn, sql, &stmt);
    if (r < 0)
        return r;
    r = db_step(stmt);
    if (r == DB_DONE) {
        db_conn_set_error(conn, "query returned no row");
        r = ERR_DB;
    }
    if (r < 0)
        goto out_finalize;
    int64_t value = db_column_int64(stmt, 0);
    *ret_value = value;
    r = 0;
out_finalize:
    db_finalize(stmt);
    return r;
}

int db_ping(Db *db)
{
    DbConn *conn = NULL;
    int64_t one = 0;
    if (db_acquire(db, &conn) < 0)
        return ERR_DB;
    int r = db_query_int64(conn, "SELECT 1", &one);
    db_release(conn);
    return r < 0 || one != 1 ? ERR_DB : 0;
}

/* Whether migration `version` is recorded. Returns 0 (*ret_present written) or an error. */
static int db_migration_present(DbConn *conn, int64_t version, bool *ret_present)
{
    DbStmt *stmt = NULL;
    int r = db_prepare(conn, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", &stmt);
    if (r < 0)
        return r;
    r = db_bind_int64(stmt, 1, version);
    if (r == 0)
        r = db_step(stmt);
    if (r == DB_ROW)
        *ret_present = db_column_int64(stmt, 0) > 0;
    db_finalize(stmt);
    return r == DB_ROW ? 0 : (r < 0 ? r : ERR_DB);
}

/* Applies migration `m` unless another process did already. Sets *ret_applied to 1 or 0. */
static int db_migrate_one(DbConn *conn, const DbMigration *m, int *ret_applied)
{
    DbStmt *stmt = NULL;
    bool present = false;
    /* Applied already: nothing to write, so another writer holding the database (a scan,
     * a second instance) does not make start-up fail on a busy lock. */
    int r = db_migration_present(conn, m->version, &present);
    if (r < 0)
        return r;
    if (present) {
        *ret_applied = 0;
        return 0;
    }
    r = conn->db->backend->exec(conn, conn->db->backend->begin_write_sql);
    if (r < 0)
        return r;
    /* Again under the write lock: a concurrent migrator may have applied it meanwhile. */
    r = db_migration_present(conn, m->version, &present);
    if (r < 0)
        goto out_rollback;

    if (present) {
        r = db_commit(conn);
        if (r < 0)
            goto out_rollback;
        *ret_applied = 0;
        return 0;
    }

    r = db_exec(conn, m->sql);
    if (r < 0)
        goto out_rollback;
    r = db_prepare(conn, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                   &stmt);
    if (r < 0)
        goto out_rollback;
    r = db_bind_int64(stmt, 1, m->version);
    if (r == 0)
        r = db_bind_int64(stmt, 2, (int64_t)time(NULL));
    if (r == 0)
        r = db_step(stmt);
    if (r < 0)
        goto out_finalize;
    db_finalize(stmt);
    stmt = NULL;
    r = db_commit(conn);
    if (r < 0)
        goto out_rollback;
    *ret_applied = 1;
    return 0;

out_finalize:
    db_finalize(stmt);
out_rollback:
    if (conn->db->backend->conn_in_transaction(conn))
        (void)conn->db->backend->exec(conn, "ROLLBACK");
    return r;
}

int db_optimize(DbConn *conn, bool *ret_analyzed)
{
    if (!conn->db->backend->optimize) {
        *ret_analyzed = false;
        return 0;
    }
    return conn->db->backend->optimize(conn, ret_analyzed);
}

int db_migrate(Db *db, int *ret_applied)
{
    DbConn *conn = NULL;
    int applied = 0;
    int r = db_acquire_bulk(db, &conn); /* an index a migration builds reads a whole table */
    if (r < 0)
        return ERR_DB;
    const DbBackend *backend = db->backend;
    r = backend->migrate_lock(conn);
    if (r < 0)
        goto out_release;
    r = db_exec(conn, DB_MIGRATIONS_TABLE_SQL);
    if (r < 0)
        goto out_unlock;
    for (size_t i = 0; i < *backend->migrations_count; i++) {
        int one = 0;
        r = db_migrate_one(conn, &backend->migrations[i], &one);
        if (r < 0)
            goto out_unlock;
        applied += one;
    }
    /* A new index has no statistics yet, and SQLite may prefer an older one that has. A
     * failure here leaves the schema right and the plans as they were: not an error. */
    bool analyzed;
    if (applied > 0)
        (void)db_optimize(conn, &analyzed);
    *ret_applied = applied;
    r = 0;
out_unlock:
    backend->migrate_unlock(conn);
out_release:
    db_release(conn);
    return r < 0 ? ERR_DB : 0;
}

size_t db_migrate_rewritten(Db *db, int from_version, const char **ret_tables, size_t max)
{
    const DbBackend *backend = db->backend;
    size_t n = 0;
    if (!backend->vacuum_sql)
        return 0;
    for (size_t i = 0; i < *backend->migrations_count; i++) {
        const DbMigration *m = &backend->migrations[i];
        for (size_t t = 0; m->version > from_version && m->vacuum && m->vacuum[t]; t++) {
            bool seen = false;
            for (size_t k = 0; k < n && k < max && !seen; k++)
                seen = strcmp(ret_tables[k], m->vacuum[t]) == 0;
            if (seen)
                continue;
            if (n < max)
                ret_tables[n] = m->vacuum[t];
            n++;
        }
    }
    return n;
}

int db_vacuum(Db *db, const char *table)
{
    const char *head = db->backend->vacuum_sql;
    size_t len = strlen(table);
    char sql[128];
    if (!head || len == 0 || strspn(table, "abcdefghijklmnopqrstuvwxyz_0123456789") != len ||
        (size_t)snprintf(sql, sizeof(sql), "%s%s", head, table) >= sizeof(sql))
        return -EINVAL;
    DbConn *conn = NULL;
    int r = db_acquire_bulk(db, &conn);
    if (r < 0)
        return r;
    r = conn->db->backend->exec(conn, sql);
    db_release(conn);
    return r;
}

int db_schema_version(Db *db, int *ret_version)
{
    DbConn *conn = NULL;
    int64_t exists = 0;
    int64_t version = 0;
    int r = db_acquire(db, &conn);
    if (r < 0)
        return r;
    r = db_query_int64(conn, db->backend->has_migrations_sql, &exists);
    if (r < 0)
        goto out_release;
    if (exists) {
        r = db_query_int64(conn, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                           &version);
        if (r < 0)
            goto out_release;
    }
    *ret_version = (int)version;
out_release:
    db_release(conn);
    return r;
}

int db_exec(DbConn *conn, const char *sql)
{
    return conn->db->backend->exec(conn, sql);
}

int db_begin(DbConn *conn)
{
    return conn->db->backend->exec(conn, "BEGIN");
}

int db_begin_write(DbConn *conn)
{
    return conn->db->backend->exec(conn, conn->db->backend->begin_write_sql);
}

int db_commit(DbConn *conn)
{
    int r = conn->db->backend->exec(conn, "COMMIT");
    for (int i = 0; r == 0 && i < DB_GENERATIONS_MAX; i++) {
        if (conn->bumped & (1u << i))
            atomic_fetch_add(&conn->db->local_bumps[i], 1);
    }
    conn->bumped = 0;
    return r;
}

int db_rollback(DbConn *conn)
{
    conn->bumped = 0;
    return conn->db->backend->exec(conn, "ROLLBACK");
}

int db_prepare(DbConn *conn, const char *sql, DbStmt **ret_stmt)
{
    if (!sql) {
        db_conn_set_error(conn, "no SQL");
        return ERR_DB;
    }
    if (strlen(sql) > DB_SQL_MAX) {
        db_conn_set_error(conn, "SQL text too long");
        return ERR_DB;
    }
    return conn->db->backend->prepare(conn, sql, ret_stmt);
}

int db_bind_text(DbStmt *stmt, int idx, const char *value)
{
    if (!value)
        return stmt->conn->db->backend->bind_null(stmt, idx);
    return stmt->conn->db->backend->bind_text(stmt, idx, value);
}

int db_bind_int64(DbStmt *stmt, int idx, int64_t value)
{
    return stmt->conn->db->backend->bind_int64(stmt, idx, value);
}

int db_bind_double(DbStmt *stmt, int idx, double value)
{
    return stmt->conn->db->backend->bind_double(stmt, idx, value);
}

int db_bind_null(DbStmt *stmt, int idx)
{
    return stmt->conn->db->backend->bind_null(stmt, idx);
}

int db_step(DbStmt *stmt)
{
    return stmt->conn->db->backend->step(stmt);
}

int db_reset(DbStmt *stmt)
{
    return stmt->conn->db->backend->reset(stmt);
}

int db_column_count(DbStmt *stmt)
{
    return stmt->conn->db->backend->column_count(stmt);
}

bool db_column_is_null(DbStmt *stmt, int col)
{
    return stmt->conn->db->backend->column_is_null(stmt, col);
}

const char *db_column_text(DbStmt *stmt, int col)
{
    return stmt->conn->db->backend->column_text(stmt, col);
}

int64_t db_column_int64(DbStmt *stmt, int col)
{
    return stmt->conn->db->backend->column_int64(stmt, col);
}

double db_column_double(DbStmt *stmt, int col)
{
    return stmt->conn->db->backend->column_double(stmt, col);
}

int64_t db_changes(DbStmt *stmt)
{
    return stmt->conn->db->backend->changes(stmt);
}

void db_finalize(DbStmt *stmt)
{
    if (!stmt)
        return;
    stmt->conn->db->backend->finalize(stmt);
}

const char *db_errmsg(DbConn *conn)
{
    return conn ? conn->errmsg : "";
}

/* ---- generations ---- */

static const char *const db_generation_names[] = {DB_GENERATION_LIBRARY, DB_GENERATION_USERS};

int db_generation_index(const char *name)
{
    for (size_t i = 0; name && i < sizeof(db_generation_names) / sizeof(db_generation_names[0]);
         i++) {
        if (strcmp(name, db_generation_names[i]) == 0)
            return (int)i;
    }
    return -1;
}

int db_generation_bump(DbConn *conn, const char *name)
{
    int idx = db_generation_index(name);
    if (idx < 0)
        return -EINVAL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    DbStmt *st;
    /* changed_at never goes back, even when the clock does: lastModified must grow */
    int r = db_prepare(conn,
                       "UPDATE generations SET value = value + 1, changed_at = CASE WHEN"
                       " changed_at < ? THEN ? ELSE changed_at + 1 END WHERE name = ?",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_int64(st, 1, now_ms)) == 0 && (r = db_bind_int64(st, 2, now_ms)) == 0 &&
        (r = db_bind_text(st, 3, name)) == 0 && (r = db_step(st)) >= 0) {
        r = 0;
        if (conn->db->backend->conn_in_transaction(conn))
            conn->bumped |= 1u << idx; /* counted when it commits */
        else
            atomic_fetch_add(&conn->db->local_bumps[idx], 1); /* committed already */
    }
    db_finalize(st);
    return r;
}

int db_generation_changed_at(DbConn *conn, const char *name, int64_t *ret_ms)
{
    if (db_generation_index(name) < 0)
        return -EINVAL;
    DbStmt *st;
    int r = db_prepare(conn, "SELECT changed_at FROM generations WHERE name = ?", &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, name)) == 0 && (r = db_step(st)) == DB_ROW) {
        *ret_ms = db_column_int64(st, 0);
        r = 0;
    } else if (r == DB_DONE) {
        r = -ENOENT;
    }
    db_finalize(st);
    return r;
}

void db_generations_set(DbGenerations *g, const char *name, int64_t value)
{
    size_t i;
    for (i = 0; i < g->n; i++) {
        if (strcmp(g->names[i], name) == 0) {
            if (value > g->values[i])
                g->values[i] = value;
            return;
        }
    }
    if (g->n == DB_GENERATIONS_MAX || strlen(name) > DB_GENERATION_NAME_MAX)
        return;
    str_copy(g->names[g->n], name, sizeof(g->names[g->n]));
    g->values[g->n++] = value;
}

int db_generations_find(const DbGenerations *g, const char *name, int64_t *ret_value)
{
    for (size_t i = 0; i < g->n; i++) {
        if (strcmp(g->names[i], name) == 0) {
            *ret_value = g->values[i];
            return 0;
        }
    }
    return -ENOENT;
}

static int64_t db_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Reads every row of the generations table into `g`, on `conn` or else a borrowed one. */
static int db_generation_read(Db *db, DbConn *conn, DbGenerations *g)
{
    DbConn *own = NULL;
    int r = conn ? 0 : db_acquire(db, &own);
    if (r < 0)
        return r;
    DbStmt *st;
    r = db_prepare(conn ? conn : own, "SELECT name, value FROM generations", &st);
    if (r == 0) {
        while ((r = db_step(st)) == DB_ROW) {
            const char *name = db_column_text(st, 0);
            if (name)
                db_generations_set(g, name, db_column_int64(st, 1));
        }
        db_finalize(st);
    }
    db_release(own);
    return r < 0 ? r : 0;
}

/* Writes the value of `name` from the last read of the table when it is at most
 * DB_GENERATION_FRESH_US old at `now` (true), else returns false. */
static bool db_generation_fresh(Db *db, const char *name, int64_t now, int64_t *ret_value)
{
    pthread_mutex_lock(&db->gen_mu);
    bool fresh = db->gen_read_us != 0 && now - db->gen_read_us < DB_GENERATION_FRESH_US;
    if (fresh && db_generations_find(&db->gen, name, ret_value) < 0)
        *ret_value = 0;
    pthread_mutex_unlock(&db->gen_mu);
    return fresh;
}

/* Keeps `g`, a read of the table begun at `began_us`, unless a later read is kept already. */
static void db_generation_store(Db *db, const DbGenerations *g, int64_t began_us)
{
    pthread_mutex_lock(&db->gen_mu);
    if (began_us > db->gen_read_us) {
        for (size_t i = 0; i < g->n; i++)
            db_generations_set(&db->gen, g->names[i], g->values[i]);
        db->gen_read_us = began_us;
    }
    pthread_mutex_unlock(&db->gen_mu);
}

/* Writes the value of `name` from the table as read at most DB_GENERATION_FRESH_US ago (0
 * when the table has no such row). Threads that find it stale read it each (not under the
 * lock: a reader may be waiting for a connection). */
static int db_generation_poll(Db *db, DbConn *conn, const char *name, int64_t *ret_value)
{
    int64_t now = db_now_us();
    if (db_generation_fresh(db, name, now, ret_value))
        return 0;
    DbGenerations g = {0};
    int r = db_generation_read(db, conn, &g);
    if (r < 0)
        return r;
    db_generation_store(db, &g, now);
    if (db_generations_find(&g, name, ret_value) < 0)
        *ret_value = 0;
    return 0;
}

int db_generation_get(Db *db, DbConn *conn, const char *name, int64_t *ret_stamp)
{
    int idx = db_generation_index(name);
    if (idx < 0)
        return -EINVAL;
    const DbBackend *b = db->backend;
    int64_t value = 0;
    int r = -EAGAIN;
    if (b->watch_start) {
        /* One plain load once started: this runs for every request, under no lock. */
        if (!atomic_load_explicit(&db->watch_started, memory_order_acquire) &&
            !atomic_exchange(&db->watch_started, true) && b->watch_start(db) < 0)
            log_warn("db: cannot follow generation changes; reading them from the database");
        r = b->watch_get(db, idx, &value);
    }
    if (r < 0)
        r = db_generation_poll(db, conn, name, &value);
    if (r < 0)
        return r;
    /* This process's own commits count at once, before their notification comes back. */
    *ret_stamp = value + atomic_load(&db->local_bumps[idx]);
    return 0;
}

/* The refresher of db_generation_peek(): reads the table each time a peek asks for it, on a
 * borrowed connection, until db_close(). */
static void *db_generation_refresher(void *arg)
{
    Db *db = arg;
    pthread_mutex_lock(&db->gen_mu);
    for (;;) {
        while (!db->gen_wanted && !db->gen_stop)
            pthread_cond_wait(&db->gen_cv, &db->gen_mu);
        if (db->gen_stop)
            break;
        db->gen_wanted = false;
        pthread_mutex_unlock(&db->gen_mu);
        int64_t began = db_now_us();
        DbGenerations g = {0};
        if (db_generation_read(db, NULL, &g) == 0)
            db_generation_store(db, &g, began);
        pthread_mutex_lock(&db->gen_mu);
    }
    pthread_mutex_unlock(&db->gen_mu);
    return NULL;
}

/* For db_generation_peek(): writes the value of `name` from the last read of the table when
 * that read is less than twice DB_GENERATION_FRESH_US old (true), else returns false. Past
 * DB_GENERATION_FRESH_US it asks the refresher thread (started on the first such call) to
 * read the table again. */
static bool db_generation_recent(Db *db, const char *name, int64_t *ret_value)
{
    int64_t now = db_now_us();
    pthread_mutex_lock(&db->gen_mu);
    int64_t age = now - db->gen_read_us;
    bool ok = db->gen_read_us != 0 && age < 2 * DB_GENERATION_FRESH_US;
    if (ok && db_generations_find(&db->gen, name, ret_value) < 0)
        *ret_value = 0;
    if ((db->gen_read_us == 0 || age >= DB_GENERATION_FRESH_US) && !db->gen_wanted &&
        !db->gen_stop) {
        if (!db->gen_thread_on &&
            pthread_create(&db->gen_thread, NULL, db_generation_refresher, db) == 0)
            db->gen_thread_on = true;
        db->gen_wanted = db->gen_thread_on;
        pthread_cond_signal(&db->gen_cv);
    }
    pthread_mutex_unlock(&db->gen_mu);
    return ok;
}

int db_generation_peek(Db *db, const char *name, int64_t *ret_stamp)
{
    int idx = db_generation_index(name);
    if (idx < 0)
        return -EINVAL;
    const DbBackend *b = db->backend;
    int64_t value = 0;
    int r = b->watch_get ? b->watch_get(db, idx, &value) : -EAGAIN;
    if (r < 0 && !db_generation_recent(db, name, &value))
        return -EAGAIN;
    *ret_stamp = value + atomic_load(&db->local_bumps[idx]);
    return 0;
}
