/*
 * db_postgres.c - the PostgreSQL backend of db.h, over libpq.
 *
 * One PGconn per pool slot, used by one thread at a time. A statement is kept on the client:
 * its `?` placeholders are rewritten to $1, $2, ... (outside quoted strings, quoted
 * identifiers and comments), its parameters are collected as text, and the first db_step()
 * runs it with PQexecPrepared, preparing it first unless the connection's cache of prepared
 * statements already holds that SQL; later steps walk the rows of that one PGresult. Errors map by
 * SQLSTATE: 23505 -> ERR_CONFLICT; 40001, 40P01, 55P03 -> ERR_DB_BUSY; others -> ERR_DB.
 */
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "db/db_internal.h"

#include <libpq-fe.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* PostgreSQL's own limit on the parameters of one statement. */
#define DB_POSTGRES_PARAMS_MAX 65535

/* Key of the session advisory lock held by db_migrate() ("Swazdb" in ASCII). */
#define DB_POSTGRES_MIGRATE_LOCK   "SELECT pg_advisory_lock(91694733648994)"
#define DB_POSTGRES_MIGRATE_UNLOCK "SELECT pg_advisory_unlock(91694733648994)"

/* Statements kept prepared on the server per connection (named "swaz_N"), so a query the
 * handlers repeat is parsed and analysed once per connection, not once per request. */
#define DB_POSTGRES_STMT_CACHE 64

typedef struct DbPostgresPrepared {
    char *sql;     /* the rewritten SQL it was prepared from; NULL: a free slot */
    uint64_t name; /* prepared as "swaz_<name>" */
} DbPostgresPrepared;

typedef struct DbPostgresConn {
    DbConn base;
    PGconn *pg;
    bool doomed; /* the server sent a FATAL notice while idle: it is closing the session */
    DbPostgresPrepared prepared[DB_POSTGRES_STMT_CACHE];
    uint64_t next_name; /* the name of the next statement prepared */
    unsigned evict;     /* the slot to reuse next when every slot is taken */
} DbPostgresConn;

typedef struct DbPostgresStmt {
    DbStmt base;
    char *sql;       /* the statement with $n placeholders */
    int nparams;     /* number of placeholders */
    char **params;   /* nparams values as text; NULL is SQL NULL */
    PGresult *res;   /* the result once executed */
    int row;         /* current row, -1 before the first */
    int nrows;       /* rows in res */
    bool executed;   /* res holds this execution's result */
    int64_t changes; /* rows changed by an INSERT/UPDATE/DELETE */
} DbPostgresStmt;

static PGconn *db_postgres_pg(DbConn *conn)
{
    return ((DbPostgresConn *)conn)->pg;
}

static DbPostgresStmt *db_postgres_stmt(DbStmt *stmt)
{
    return (DbPostgresStmt *)stmt;
}

/* Maps the SQLSTATE of a failed result (NULL when there is none) to a project error. */
static int db_postgres_map(const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!state)
        return ERR_DB;
    if (strcmp(state, "23505") == 0)
        return ERR_CONFLICT;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        return ERR_DB_BUSY;
    return ERR_DB;
}

/* Records the error of `res` (or of the connection when res is NULL); returns its code.
 * Only the SQLSTATE and the primary message are kept: DETAIL lines quote row values. */
static int db_postgres_fail(DbConn *conn, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char msg[DB_ERRMSG_MAX];
    if (state && primary) {
        snprintf(msg, sizeof(msg), "%s: %s", state, primary);
    } else {
        const char *text = PQerrorMessage(db_postgres_pg(conn));
        str_copy(msg, text && *text ? text : "PostgreSQL error", sizeof(msg));
    }
    db_conn_set_error(conn, msg);
    return db_postgres_map(res);
}

/* Returns the value of `keyword` in parsed options, or NULL when it is unset or empty. */
static const char *db_postgres_option(const PQconninfoOption *opts, const char *keyword)
{
    for (const PQconninfoOption *o = opts; o->keyword; o++) {
        if (strcmp(o->keyword, keyword) == 0)
            return o->val && *o->val ? o->val : NULL;
    }
    return NULL;
}

/* True if `ports` is a comma-separated list of TCP ports (libpq checks only on connect). */
static bool db_postgres_valid_ports(const char *ports)
{
    char one[8];
    const char *p = ports;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        uint64_t port = 0;
        if (len == 0 || len >= sizeof(one))
            return false;
        memcpy(one, p, len);
        one[len] = '\0';
        if (str_to_uint64(one, &port) < 0 || port < 1 || port > 65535)
            return false;
        if (!comma)
            return true;
        p = comma + 1;
    }
}

/* Builds "postgres://user@host:port/dbname" (a socket directory goes in ?host=...). */
static int db_postgres_describe(const PQconninfoOption *opts, char **ret_describe)
{
    const char *user = db_postgres_option(opts, "user");
    const char *host = db_postgres_option(opts, "host");
    const char *port = db_postgres_option(opts, "port");
    const char *dbname = db_postgres_option(opts, "dbname");
    bool socket_dir = host && host[0] == '/';
    Buf b;
    int r = 0;

    buf_init(&b, 4096);
    r = buf_append_str(&b, "postgres://");
    if (r == 0 && user)
        r = buf_printf(&b, "%s@", user);
    if (r == 0 && host && !socket_dir)
        r = buf_printf(&b, strchr(host, ':') ? "[%s]" : "%s", host);
    if (r == 0 && port && !socket_dir)
        r = buf_printf(&b, ":%s", port);
    if (r == 0)
        r = buf_printf(&b, "/%s", dbname ? dbname : "");
    if (r == 0 && socket_dir)
        r = buf_printf(&b, "?host=%s", host);
    if (r == 0 && socket_dir && port)
        r = buf_printf(&b, "&port=%s", port);
    if (r < 0) {
        buf_free(&b);
        return r == -ENOMEM ? -ENOMEM : -EINVAL;
    }
    *ret_describe = buf_steal(&b);
    return 0;
}

static int db_postgres_configure(Db *db, const char *url)
{
    char *err = NULL;
    int r;
    PQconninfoOption *opts = PQconninfoParse(url, &err);
    if (!opts) {
        r = err ? -EINVAL : -ENOMEM;
        PQfreemem(err);
        return r;
    }
    const char *port = db_postgres_option(opts, "port");
    if (port && !db_postgres_valid_ports(port)) {
        r = -EINVAL;
        goto out_free;
    }
    r = db_postgres_describe(opts, &db->describe);
    if (r < 0)
        goto out_free;
    const char *password = db_postgres_option(opts, "password");
    db->target = strdup(url);
    db->secret = password ? strdup(password) : NULL;
    if (!db->target || (password && !db->secret))
        r = -ENOMEM;
out_free:
    PQconninfoFree(opts); /* holds the password too; libpq frees it */
    return r;
}

/* Receives NOTICEs (libpq would print them to stderr; lower layers do not log) and the
 * FATAL error a server sends to an idle session it is about to close. */
static void db_postgres_notice(void *arg, const PGresult *res)
{
    DbPostgresConn *conn = arg;
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0))
        conn->doomed = true;
}

/* Connects to the pool's server; NULL when that fails. */
static PGconn *db_postgres_connect(const Db *db)
{
    /* Entries before dbname are defaults the URL may override; entries after win. No
     * parallel workers: Swaz's statements are short index reads, and a Gather (chosen for
     * the IN lists of a page's related rows) spent more starting its workers than the scan
     * took (docs/internals/db.md). */
    const char *const keywords[] = {"connect_timeout", "fallback_application_name", "options",
                                    "dbname",          "client_encoding",           NULL};
    const char *const values[] = {"10",       "swaz", "-c max_parallel_workers_per_gather=0",
                                  db->target, "UTF8", NULL};
    PGconn *pg = PQconnectdbParams(keywords, values, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        PQfinish(pg); /* NULL is a no-op */
        return NULL;
    }
    return pg;
}

static int db_postgres_conn_open(Db *db, DbConn **ret_conn)
{
    DbPostgresConn *conn = calloc(1, sizeof(*conn));
    if (!conn)
        return -ENOMEM;
    PGconn *pg = db_postgres_connect(db);
    if (!pg) {
        free(conn);
        return ERR_DB;
    }
    PQsetNoticeReceiver(pg, db_postgres_notice, conn);
    conn->base.db = db;
    conn->pg = pg;
    *ret_conn = &conn->base;
    return 0;
}

/* Forgets every prepared statement (the session that held them is gone, or is closing). */
static void db_postgres_forget_prepared(DbPostgresConn *c)
{
    for (size_t i = 0; i < DB_POSTGRES_STMT_CACHE; i++) {
        free(c->prepared[i].sql);
        c->prepared[i].sql = NULL;
    }
}

static void db_postgres_conn_close(DbConn *conn)
{
    if (!conn)
        return;
    db_postgres_forget_prepared((DbPostgresConn *)conn);
    PQfinish(db_postgres_pg(conn));
    free(conn);
}

/* Reads whatever the server sent to an idle connection: a server that closed the session
 * (restart, pg_terminate_backend) leaves a FATAL error and EOF there, which mark it bad. */
static void db_postgres_poll_idle(PGconn *pg)
{
    /* A few rounds: the first read may get the FATAL message, a later one the EOF. */
    for (int round = 0; round < 4 && PQstatus(pg) == CONNECTION_OK; round++) {
        struct pollfd pfd = {.fd = PQsocket(pg), .events = POLLIN};
        if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0)
            return;
        if (!PQconsumeInput(pg))
            return;
        PGnotify *n;
        while ((n = PQnotifies(pg)) != NULL)
            PQfreemem(n);
    }
}

static int db_postgres_conn_check(DbConn *conn)
{
    DbPostgresConn *c = (DbPostgresConn *)conn;
    PGconn *pg = c->pg;
    if (PQstatus(pg) == CONNECTION_OK)
        db_postgres_poll_idle(pg);
    if (PQstatus(pg) == CONNECTION_OK && !c->doomed)
        return 0;
    c->doomed = false;
    db_postgres_forget_prepared(c); /* a new session has none of them */
    PQreset(pg);
    if (PQstatus(pg) != CONNECTION_OK) {
        db_conn_set_error(conn, PQerrorMessage(pg));
        return ERR_DB;
    }
    return 0;
}

static bool db_postgres_conn_in_transaction(DbConn *conn)
{
    PGTransactionStatusType t = PQtransactionStatus(db_postgres_pg(conn));
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

static void db_postgres_conn_quiesce(DbConn *conn)
{
    (void)conn; /* statements hold client-side results only */
}

static int db_postgres_exec(DbConn *conn, const char *sql)
{
    PGresult *res = PQexec(db_postgres_pg(conn), sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int r = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        r = db_postgres_fail(conn, res);
    PQclear(res);
    return r;
}

static int db_postgres_migrate_lock(DbConn *conn)
{
    return db_postgres_exec(conn, DB_POSTGRES_MIGRATE_LOCK);
}

static void db_postgres_migrate_unlock(DbConn *conn)
{
    (void)db_postgres_exec(conn, DB_POSTGRES_MIGRATE_UNLOCK);
}

static bool db_postgres_ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || (unsigned char)c >= 0x80;
}

/* Returns the index just past the quoted run that starts at sql[i] (a ' or "): doubled
 * quotes stay inside; `backslash` also lets \x escape (E'...' strings). */
static size_t db_postgres_skip_quoted(const char *sql, size_t i, bool backslash)
{
    char quote = sql[i++];
    while (sql[i]) {
        if (backslash && sql[i] == '\\' && sql[i + 1]) {
            i += 2;
        } else if (sql[i] == quote && sql[i + 1] == quote) {
            i += 2;
        } else if (sql[i] == quote) {
            return i + 1;
        } else {
            i++;
        }
    }
    return i;
}

/* Returns the index past a (nested) block comment that starts at sql[i]. */
static size_t db_postgres_skip_block_comment(const char *sql, size_t i)
{
    int depth = 0;
    while (sql[i]) {
        if (sql[i] == '/' && sql[i + 1] == '*') {
            depth++;
            i += 2;
        } else if (sql[i] == '*' && sql[i + 1] == '/') {
            i += 2;
            if (--depth == 0)
                return i;
        } else {
            i++;
        }
    }
    return i;
}

/* Returns the index past the dollar-quoted string ($$...$$ or $tag$...$tag$) that starts
 * at sql[i], or i + 1 when that '$' opens none (inside an identifier, or $1). */
static size_t db_postgres_skip_dollar_quoted(const char *sql, size_t i)
{
    size_t j = i + 1;
    if (i > 0 && db_postgres_ident_char(sql[i - 1]))
        return i + 1;
    if (sql[j] >= '0' && sql[j] <= '9')
        return i + 1;
    while (sql[j] && sql[j] != '$' && db_postgres_ident_char(sql[j]))
        j++;
    if (sql[j] != '$')
        return i + 1;
    size_t tag_len = j + 1 - i;
    const char *p = sql + j + 1;
    for (;;) {
        const char *end = strchr(p, '$');
        if (!end)
            return i + strlen(sql + i);
        if (strncmp(end, sql + i, tag_len) == 0)
            return (size_t)(end - sql) + tag_len;
        p = end + 1;
    }
}

/* Rewrites each `?` outside quoted strings, quoted identifiers and comments to $1, $2, ...
 * into `out`. Returns 0, -ENOMEM, ERR_LIMIT or -E2BIG (too many placeholders). */
static int db_postgres_rewrite(const char *sql, Buf *out, int *ret_nparams)
{
    int nparams = 0;
    size_t i = 0;
    int r = 0;
    while (sql[i] && r == 0) {
        size_t start = i;
        char c = sql[i];
        if (c == '\'') {
            bool e_string = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                            (i < 2 || !db_postgres_ident_char(sql[i - 2]));
            i = db_postgres_skip_quoted(sql, i, e_string);
        } else if (c == '"') {
            i = db_postgres_skip_quoted(sql, i, false);
        } else if (c == '-' && sql[i + 1] == '-') {
            const char *nl = strchr(sql + i, '\n');
            i = nl ? (size_t)(nl - sql) : i + strlen(sql + i);
        } else if (c == '/' && sql[i + 1] == '*') {
            i = db_postgres_skip_block_comment(sql, i);
        } else if (c == '$') {
            i = db_postgres_skip_dollar_quoted(sql, i);
        } else if (c == '?') {
            if (nparams == DB_POSTGRES_PARAMS_MAX)
                return -E2BIG;
            r = buf_printf(out, "$%d", ++nparams);
            i++;
            continue;
        } else {
            i++;
        }
        r = buf_append(out, sql + start, i - start);
    }
    if (r < 0)
        return r;
    if (!out->data)
        r = buf_append(out, "", 0); /* an empty statement still gets a string */
    if (r < 0)
        return r;
    *ret_nparams = nparams;
    return 0;
}

static int db_postgres_prepare(DbConn *conn, const char *sql, DbStmt **ret_stmt)
{
    Buf b;
    int nparams = 0;
    buf_init(&b, DB_SQL_MAX + 6 * (size_t)DB_POSTGRES_PARAMS_MAX);
    int r = db_postgres_rewrite(sql, &b, &nparams);
    if (r < 0) {
        db_conn_set_error(conn, r == -E2BIG ? "too many parameters" : "out of memory");
        r = r == -ENOMEM ? -ENOMEM : ERR_DB;
        goto out_buf;
    }

    DbPostgresStmt *stmt = calloc(1, sizeof(*stmt));
    if (!stmt) {
        r = -ENOMEM;
        goto out_buf;
    }
    if (nparams > 0) {
        stmt->params = calloc((size_t)nparams, sizeof(*stmt->params));
        if (!stmt->params) {
            r = -ENOMEM;
            goto out_stmt;
        }
    }
    stmt->base.conn = conn;
    stmt->sql = buf_steal(&b);
    stmt->nparams = nparams;
    stmt->row = -1;
    *ret_stmt = &stmt->base;
    return 0;

out_stmt:
    free(stmt);
out_buf:
    buf_free(&b);
    return r;
}

/* Replaces parameter `idx` with `text` (taken over; NULL means SQL NULL). */
static int db_postgres_set_param(DbStmt *stmt, int idx, char *text)
{
    DbPostgresStmt *s = db_postgres_stmt(stmt);
    if (idx < 1 || idx > s->nparams) {
        free(text);
        return -EINVAL;
    }
    free(s->params[idx - 1]);
    s->params[idx - 1] = text;
    return 0;
}

static int db_postgres_bind_text(DbStmt *stmt, int idx, const char *value)
{
    char *copy = strdup(value);
    if (!copy)
        return -ENOMEM;
    return db_postgres_set_param(stmt, idx, copy);
}

static int db_postgres_bind_int64(DbStmt *stmt, int idx, int64_t value)
{
    char text[24];
    snprintf(text, sizeof(text), "%" PRId64, value);
    char *copy = strdup(text);
    if (!copy)
        return -ENOMEM;
    return db_postgres_set_param(stmt, idx, copy);
}

static int db_postgres_bind_double(DbStmt *stmt, int idx, double value)
{
    char text[40];
    if (isnan(value))
        str_copy(text, "NaN", sizeof(text));
    else if (isinf(value))
        str_copy(text, value > 0 ? "Infinity" : "-Infinity", sizeof(text));
    else
        snprintf(text, sizeof(text), "%.17g", value);
    char *copy = strdup(text);
    if (!copy)
        return -ENOMEM;
    return db_postgres_set_param(stmt, idx, copy);
}

static int db_postgres_bind_null(DbStmt *stmt, int idx)
{
    return db_postgres_set_param(stmt, idx, NULL);
}

/* Reads the row count of a finished command ("" for commands without one). */
static int64_t db_postgres_count(PGresult *res)
{
    int64_t n = 0;
    if (str_has_prefix(PQcmdStatus(res), "SELECT"))
        return 0; /* a query changes nothing */
    if (str_to_int64(PQcmdTuples(res), 0, INT64_MAX, &n) < 0)
        return 0;
    return n;
}

/* Finds the statement prepared from `sql` on `conn`, or prepares it (evicting the oldest
 * when the cache is full), and writes its name. Returns 0, or the error of PQprepare (a
 * syntax error, a failed transaction) as db_postgres_fail() maps it. */
static int db_postgres_prepared(DbConn *conn, const DbPostgresStmt *s, char name[32])
{
    DbPostgresConn *c = (DbPostgresConn *)conn;
    DbPostgresPrepared *slot = NULL;
    for (size_t i = 0; i < DB_POSTGRES_STMT_CACHE; i++) {
        DbPostgresPrepared *p = &c->prepared[i];
        if (p->sql && strcmp(p->sql, s->sql) == 0) {
            snprintf(name, 32, "swaz_%" PRIu64, p->name);
            return 0;
        }
        if (!p->sql && !slot)
            slot = p;
    }
    if (!slot) {
        slot = &c->prepared[c->evict++ % DB_POSTGRES_STMT_CACHE];
        snprintf(name, 32, "DEALLOCATE swaz_%" PRIu64, slot->name);
        PQclear(PQexec(c->pg, name)); /* a failure only leaves it to the session's end */
        free(slot->sql);
        slot->sql = NULL;
    }
    char *copy = strdup(s->sql);
    if (!copy)
        return -ENOMEM;
    uint64_t id = c->next_name++;
    snprintf(name, 32, "swaz_%" PRIu64, id);
    PGresult *res = PQprepare(c->pg, name, s->sql, s->nparams, NULL);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        int r = db_postgres_fail(conn, res);
        PQclear(res);
        free(copy);
        return r;
    }
    PQclear(res);
    slot->sql = copy;
    slot->name = id;
    return 0;
}

static int db_postgres_step(DbStmt *stmt)
{
    DbPostgresStmt *s = db_postgres_stmt(stmt);
    if (!s->executed) {
        char name[32];
        int r = db_postgres_prepared(stmt->conn, s, name);
        if (r < 0)
            return r;
        PGresult *res = PQexecPrepared(db_postgres_pg(stmt->conn), name, s->nparams,
                                       (const char *const *)s->params, NULL, NULL, 0);
        ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            r = db_postgres_fail(stmt->conn, res);
            PQclear(res);
            return r;
        }
        s->res = res;
        s->executed = true;
        s->nrows = st == PGRES_TUPLES_OK ? PQntuples(res) : 0;
        s->row = -1;
        s->changes = db_postgres_count(res);
    }
    if (s->row < s->nrows)
        s->row++;
    return s->row < s->nrows ? DB_ROW : DB_DONE;
}

static int db_postgres_reset(DbStmt *stmt)
{
    DbPostgresStmt *s = db_postgres_stmt(stmt);
    PQclear(s->res);
    s->res = NULL;
    for (int i = 0; i < s->nparams; i++) {
        free(s->params[i]);
        s->params[i] = NULL;
    }
    s->executed = false;
    s->row = -1;
    s->nrows = 0;
    s->changes = 0;
    return 0;
}

static int db_postgres_column_count(DbStmt *stmt)
{
    DbPostgresStmt *s = db_postgres_stmt(stmt);
    return s->res ? PQnfields(s->res) : 0;
}

/* True if `col` names a column of the current row. */
static bool db_postgres_valid_column(DbPostgresStmt *s, int col)
{
    return s->res && s->row >= 0 && s->row < s->nrows && col >= 0 && col < PQnfields(s->res);
}

static bool db_postgres_column_is_null(DbStmt *stmt, int col)
{
    DbPostgresStmt *s = db_postgres_stmt(stmt);
    return !db_postgres_valid_column(s, col) || PQgetisnull(s->res, s->row, col);
}

static const char *db_postgres_column_text(DbStmt *stmt, int col)
{
    DbPostgresStmt *s = db_postgres_stmt(stmt);
    if (db_postgres_column_is_null(stmt, col))
        return NULL;
    return PQgetvalue(s->res, s->row, col);
}

static int64_t db_postgres_column_int64(DbStmt *stmt, int col)
{
    const char *text = db_postgres_column_text(stmt, col);
    if (!text)
        return 0;
    if (strcmp(text, "t") == 0 || strcmp(text, "f") == 0)
        return text[0] == 't'; /* boolean */
    return strtoll(text, NULL, 10);
}

static double db_postgres_column_double(DbStmt *stmt, int col)
{
    const char *text = db_postgres_column_text(stmt, col);
    return text ? strtod(text, NULL) : 0.0;
}

static int64_t db_postgres_changes(DbStmt *stmt)
{
    return db_postgres_stmt(stmt)->changes;
}

static void db_postgres_finalize(DbStmt *stmt)
{
    DbPostgresStmt *s = db_postgres_stmt(stmt);
    db_postgres_reset(stmt);
    free(s->params);
    free(s->sql);
    free(s);
}

/* ---------------------------------------------------------------- generation watcher */

/* Milliseconds between attempts to reconnect the watcher. */
#define DB_POSTGRES_WATCH_RETRY_MS 1000

/* One LISTEN connection per pool: it reads the generations once listening, then applies
 * each "name value" notification. Only the watcher thread writes `values` and `live`;
 * db_generation_get() reads them with atomic loads, no lock (a request reads a stamp or two,
 * and every request of every thread did, so a mutex here was shared by all of them). */
typedef struct DbPostgresWatch {
    Db *db;
    pthread_t thread;
    int wake[2];       /* a byte on wake[1] stops the thread */
    _Atomic bool live; /* listening, and the values are current (release after the values) */
    _Atomic int64_t values[DB_GENERATIONS_MAX]; /* by db_generation_index(); -1: not seen */
} DbPostgresWatch;

/* Raises the generation `name` to `value` (values only grow; one writer, the watcher). */
static void db_postgres_watch_set(DbPostgresWatch *w, const char *name, int64_t value)
{
    int idx = db_generation_index(name);
    if (idx >= 0 && atomic_load_explicit(&w->values[idx], memory_order_relaxed) < value)
        atomic_store_explicit(&w->values[idx], value, memory_order_release);
}

/* Applies a notification payload "name value". */
static void db_postgres_watch_payload(DbPostgresWatch *w, const char *payload)
{
    const char *sp = strchr(payload, ' ');
    if (!sp || (size_t)(sp - payload) > DB_GENERATION_NAME_MAX)
        return;
    char name[DB_GENERATION_NAME_MAX + 1];
    memcpy(name, payload, (size_t)(sp - payload));
    name[sp - payload] = '\0';
    int64_t value;
    if (str_to_int64(sp + 1, 0, INT64_MAX, &value) < 0)
        return;
    db_postgres_watch_set(w, name, value);
}

static bool db_postgres_watch_begin(DbPostgresWatch *w, PGconn *pg)
{
    PGresult *res = PQexec(pg, "LISTEN swaz_generations");
    bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok)
        return false;
    res = PQexec(pg, "SELECT name, value FROM generations");
    ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;
    for (int i = 0; ok && i < PQntuples(res); i++) {
        int64_t v;
        if (str_to_int64(PQgetvalue(res, i, 1), 0, INT64_MAX, &v) == 0)
            db_postgres_watch_set(w, PQgetvalue(res, i, 0), v);
    }
    atomic_store_explicit(&w->live, ok, memory_order_release);
    PQclear(res);
    return ok;
}

/* Waits up to `ms` (-1: forever) for the connection's socket (or -1: none) or a stop
 * request. Returns 1 when stopped, 0 when the socket is readable or the time is up. */
static int db_postgres_watch_wait(DbPostgresWatch *w, int sock, int ms)
{
    struct pollfd pfd[2] = {{.fd = w->wake[0], .events = POLLIN}, {.fd = sock, .events = POLLIN}};
    int n = poll(pfd, sock >= 0 ? 2 : 1, ms);
    return n > 0 && (pfd[0].revents & (POLLIN | POLLHUP)) ? 1 : 0;
}

static void *db_postgres_watch_main(void *arg)
{
    DbPostgresWatch *w = arg;
    for (;;) {
        PGconn *pg = db_postgres_connect(w->db);
        if (pg && db_postgres_watch_begin(w, pg)) {
            while (PQstatus(pg) == CONNECTION_OK) {
                if (db_postgres_watch_wait(w, PQsocket(pg), -1) == 1) {
                    PQfinish(pg);
                    return NULL;
                }
                if (!PQconsumeInput(pg))
                    break;
                PGnotify *n;
                while ((n = PQnotifies(pg)) != NULL) {
                    if (n->extra)
                        db_postgres_watch_payload(w, n->extra);
                    PQfreemem(n);
                }
            }
            log_warn("db: lost the connection that follows generation changes; reconnecting");
        }
        atomic_store_explicit(&w->live, false, memory_order_release);
        PQfinish(pg);
        if (db_postgres_watch_wait(w, -1, DB_POSTGRES_WATCH_RETRY_MS) == 1)
            return NULL;
    }
}

static int db_postgres_watch_start(Db *db)
{
    DbPostgresWatch *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->db = db;
    atomic_init(&w->live, false);
    for (int i = 0; i < DB_GENERATIONS_MAX; i++)
        atomic_init(&w->values[i], -1);
    if (pipe2(w->wake, O_CLOEXEC) < 0) {
        free(w);
        return -errno;
    }
    int r = pthread_create(&w->thread, NULL, db_postgres_watch_main, w);
    if (r != 0) {
        close(w->wake[0]);
        close(w->wake[1]);
        free(w);
        return -r;
    }
    atomic_store_explicit(&db->watch, w, memory_order_release);
    return 0;
}

static void db_postgres_watch_stop(Db *db)
{
    DbPostgresWatch *w = atomic_load(&db->watch);
    if (!w)
        return;
    char b = 1;
    while (write(w->wake[1], &b, 1) < 0 && errno == EINTR)
        ;
    pthread_join(w->thread, NULL);
    close(w->wake[0]);
    close(w->wake[1]);
    atomic_store(&db->watch, NULL);
    free(w);
}

static int db_postgres_watch_get(Db *db, int idx, int64_t *ret_value)
{
    DbPostgresWatch *w = atomic_load_explicit(&db->watch, memory_order_acquire);
    if (!w || idx < 0 || idx >= DB_GENERATIONS_MAX ||
        !atomic_load_explicit(&w->live, memory_order_acquire))
        return -EAGAIN;
    int64_t v = atomic_load_explicit(&w->values[idx], memory_order_acquire);
    if (v < 0)
        return -ENOENT;
    *ret_value = v;
    return 0;
}

const DbBackend db_postgres_backend = {
    .kind = DB_KIND_POSTGRES,
    .begin_write_sql = "BEGIN",
    .has_migrations_sql =
        "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE 1 END",
    .migrations = db_migrations_postgres,
    .migrations_count = &db_migrations_postgres_count,
    .configure = db_postgres_configure,
    .conn_open = db_postgres_conn_open,
    .conn_close = db_postgres_conn_close,
    .conn_check = db_postgres_conn_check,
    .conn_in_transaction = db_postgres_conn_in_transaction,
    .conn_quiesce = db_postgres_conn_quiesce,
    .exec = db_postgres_exec,
    .vacuum_sql = "VACUUM (ANALYZE) ",
    .migrate_lock = db_postgres_migrate_lock,
    .migrate_unlock = db_postgres_migrate_unlock,
    .prepare = db_postgres_prepare,
    .bind_text = db_postgres_bind_text,
    .bind_int64 = db_postgres_bind_int64,
    .bind_double = db_postgres_bind_double,
    .bind_null = db_postgres_bind_null,
    .step = db_postgres_step,
    .reset = db_postgres_reset,
    .column_count = db_postgres_column_count,
    .column_is_null = db_postgres_column_is_null,
    .column_text = db_postgres_column_text,
    .column_int64 = db_postgres_column_int64,
    .column_double = db_postgres_column_double,
    .changes = db_postgres_changes,
    .finalize = db_postgres_finalize,
    .watch_start = db_postgres_watch_start,
    .watch_stop = db_postgres_watch_stop,
    .watch_get = db_postgres_watch_get,
};
