/*
 * redis_client.c - one Redis connection over hiredis 0.14 (blocking API), behind one mutex.
 *
 * The only file in the tree that includes hiredis.h: keep every hiredis call here.
 */
#include "cache/redis_client.h"

#include "core/err.h"
#include "core/str.h"

#include <hiredis/hiredis.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* Connect and command timeout. */
#define REDIS_CLIENT_TIMEOUT_SEC 2
/* Longest host name or URL part we accept. */
#define REDIS_CLIENT_FIELD_MAX  256
#define REDIS_CLIENT_ERRMSG_MAX 256

struct RedisClient {
    /* Immutable after redis_client_open(). */
    char *host;     /* TCP host, or NULL for a unix socket */
    int port;       /* TCP port */
    char *path;     /* unix socket path, or NULL */
    char *user;     /* AUTH user (Redis 6 ACL), or NULL */
    char *password; /* AUTH password, or NULL */
    int db;         /* SELECT index; 0 sends nothing */
    char *describe; /* URL without password */

    pthread_mutex_t mu;
    redisContext *ctx;                    /* guarded by mu; NULL while disconnected */
    char errmsg[REDIS_CLIENT_ERRMSG_MAX]; /* guarded by mu */
};

/* ---- URL parsing ------------------------------------------------------------------- */

/* Returns a percent-decoded copy of s[0..len) in *ret_out (caller frees). 0, -EINVAL or
 * -ENOMEM. */
static int redis_client_decode(const char *s, size_t len, char **ret_out)
{
    if (len > REDIS_CLIENT_FIELD_MAX)
        return -EINVAL;
    char *out = malloc(len + 1);
    if (!out)
        return -ENOMEM;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            out[o++] = s[i];
            continue;
        }
        int hi = i + 2 < len ? str_hex_digit(s[i + 1]) : -1;
        int lo = i + 2 < len ? str_hex_digit(s[i + 2]) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            free(out);
            return -EINVAL;
        }
        out[o++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[o] = '\0';
    *ret_out = out;
    return 0;
}

/* Parses a database index ("" means 0). 0 or -EINVAL. */
static int redis_client_parse_db(const char *s, size_t len, int *ret_db)
{
    char text[16];
    int64_t db = 0;
    if (len == 0) {
        *ret_db = 0;
        return 0;
    }
    if (len >= sizeof(text))
        return -EINVAL;
    memcpy(text, s, len);
    text[len] = '\0';
    if (str_to_int64(text, 0, INT_MAX, &db) < 0 || text[0] == '-' || text[0] == '+')
        return -EINVAL;
    *ret_db = (int)db;
    return 0;
}

/* Splits "user:password" (both may be empty; percent-encoded) into the client. */
static int redis_client_parse_userinfo(RedisClient *c, const char *s, size_t len)
{
    const char *colon = memchr(s, ':', len);
    if (!colon)
        return -EINVAL; /* the documented form is [user]:password@ */
    size_t user_len = (size_t)(colon - s);
    int r = 0;
    if (user_len > 0)
        r = redis_client_decode(s, user_len, &c->user);
    if (r == 0 && len - user_len - 1 > 0)
        r = redis_client_decode(colon + 1, len - user_len - 1, &c->password);
    return r;
}

/* Parses the query of a unix URL: db=N and password=... separated by '&'. */
static int redis_client_parse_query(RedisClient *c, const char *q)
{
    while (*q) {
        const char *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - q) : strlen(q);
        int r;
        if (len > 3 && strncmp(q, "db=", 3) == 0) {
            r = redis_client_parse_db(q + 3, len - 3, &c->db);
        } else if (len > 9 && strncmp(q, "password=", 9) == 0) {
            free(c->password);
            c->password = NULL;
            r = redis_client_decode(q + 9, len - 9, &c->password);
        } else {
            r = -EINVAL;
        }
        if (r < 0)
            return r;
        q += len + (end ? 1 : 0);
    }
    return 0;
}

/* unix:///path[?query] or unix://[user]:password@/path[?query] (rest follows "//"). */
static int redis_client_parse_unix(RedisClient *c, const char *rest)
{
    const char *slash = strchr(rest, '/');
    if (!slash)
        return -EINVAL;
    int r = 0;
    if (slash != rest) {
        if (slash[-1] != '@')
            return -EINVAL;
        r = redis_client_parse_userinfo(c, rest, (size_t)(slash - 1 - rest));
        if (r < 0)
            return r;
    }
    const char *q = strchr(slash, '?');
    size_t path_len = q ? (size_t)(q - slash) : strlen(slash);
    if (path_len < 2 || path_len >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return -EINVAL;
    c->path = strndup(slash, path_len);
    if (!c->path)
        return -ENOMEM;
    return q ? redis_client_parse_query(c, q + 1) : 0;
}

/* [user:password@]host[:port][/db] (rest follows "redis://"). */
static int redis_client_parse_tcp(RedisClient *c, const char *rest)
{
    size_t auth_len = strcspn(rest, "/?#");
    const char *after = rest + auth_len;
    const char *host = rest;
    int r;
    if (*after == '?' || *after == '#')
        return -EINVAL;
    const char *at = NULL;
    for (const char *p = rest; p < after; p++) {
        if (*p == '@')
            at = p;
    }
    if (at) {
        r = redis_client_parse_userinfo(c, rest, (size_t)(at - rest));
        if (r < 0)
            return r;
        host = at + 1;
    }

    const char *host_end;
    const char *port = NULL;
    if (*host == '[') {
        const char *close = memchr(host, ']', (size_t)(after - host));
        if (!close)
            return -EINVAL;
        host_end = close;
        host++;
        if (close + 1 < after) {
            if (close[1] != ':')
                return -EINVAL;
            port = close + 2;
        }
    } else {
        const char *colon = memchr(host, ':', (size_t)(after - host));
        host_end = colon ? colon : after;
        port = colon ? colon + 1 : NULL;
    }
    if (host_end == host || (size_t)(host_end - host) > REDIS_CLIENT_FIELD_MAX)
        return -EINVAL;
    c->host = strndup(host, (size_t)(host_end - host));
    if (!c->host)
        return -ENOMEM;

    c->port = 6379;
    if (port) {
        char text[8];
        uint64_t value = 0;
        size_t len = (size_t)(after - port);
        if (len == 0 || len >= sizeof(text))
            return -EINVAL;
        memcpy(text, port, len);
        text[len] = '\0';
        if (str_to_uint64(text, &value) < 0 || value < 1 || value > 65535)
            return -EINVAL;
        c->port = (int)value;
    }
    if (*after == '/')
        return redis_client_parse_db(after + 1, strlen(after + 1), &c->db);
    return 0;
}

static int redis_client_make_describe(RedisClient *c)
{
    char text[REDIS_CLIENT_FIELD_MAX * 2 + 64];
    const char *user = c->user ? c->user : "";
    const char *at = c->user ? "@" : "";
    if (c->path) {
        if (c->db)
            snprintf(text, sizeof(text), "unix://%s%s%s?db=%d", user, at, c->path, c->db);
        else
            snprintf(text, sizeof(text), "unix://%s%s%s", user, at, c->path);
    } else {
        bool v6 = strchr(c->host, ':') != NULL;
        snprintf(text, sizeof(text), "redis://%s%s%s%s%s:%d/%d", user, at, v6 ? "[" : "", c->host,
                 v6 ? "]" : "", c->port, c->db);
    }
    c->describe = strdup(text);
    return c->describe ? 0 : -ENOMEM;
}

static int redis_client_parse(RedisClient *c, const char *url)
{
    int r;
    if (str_has_prefix(url, "redis://"))
        r = redis_client_parse_tcp(c, url + strlen("redis://"));
    else if (str_has_prefix(url, "unix://"))
        r = redis_client_parse_unix(c, url + strlen("unix://"));
    else if (str_has_prefix(url, "redis+unix://"))
        r = redis_client_parse_unix(c, url + strlen("redis+unix://"));
    else
        r = -EINVAL;
    if (r < 0)
        return r;
    return redis_client_make_describe(c);
}

/* ---- connection -------------------------------------------------------------------- */

/* hiredis 0.14 writes with write(2): a write to a connection the server closed raises
 * SIGPIPE, which would kill a process that did not ignore it. As libpq does, block SIGPIPE
 * in the calling thread around every use of the socket and swallow one that we caused. */
typedef struct RedisClientSigpipe {
    sigset_t old_mask;
    bool was_pending;
} RedisClientSigpipe;

static void redis_client_sigpipe_block(RedisClientSigpipe *s)
{
    sigset_t pipe_set;
    sigset_t pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    s->was_pending = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &s->old_mask);
}

static void redis_client_sigpipe_restore(const RedisClientSigpipe *s)
{
    sigset_t pipe_set;
    sigset_t pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    if (!s->was_pending && sigismember(&pending, SIGPIPE) == 1) {
        struct timespec zero = {0, 0};
        (void)sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &s->old_mask, NULL);
}

/* Stores `msg` as the last error with the password replaced by "***". Caller holds mu. */
static void redis_client_set_error(RedisClient *c, const char *what, const char *msg)
{
    char raw[REDIS_CLIENT_ERRMSG_MAX];
    snprintf(raw, sizeof(raw), "%s: %s", what, msg && *msg ? msg : "unknown error");
    size_t secret_len = c->password ? strlen(c->password) : 0;
    size_t o = 0;
    for (const char *p = raw; *p && o + 1 < sizeof(c->errmsg);) {
        if (secret_len > 0 && strncmp(p, c->password, secret_len) == 0) {
            for (const char *m = "***"; *m && o + 1 < sizeof(c->errmsg); m++)
                c->errmsg[o++] = *m;
            p += secret_len;
        } else {
            c->errmsg[o++] = *p++;
        }
    }
    c->errmsg[o] = '\0';
}

/* Sends one command and checks that the answer is not an error. Caller holds mu.
 * Returns 0 or ERR_DB; on a connection error the context is dropped. */
static int redis_client_expect_ok(RedisClient *c, redisReply *reply, const char *what)
{
    if (!reply) {
        redis_client_set_error(c, what, c->ctx->errstr);
        redisFree(c->ctx);
        c->ctx = NULL;
        return ERR_DB;
    }
    int r = 0;
    if (reply->type == REDIS_REPLY_ERROR) {
        redis_client_set_error(c, what, reply->str);
        r = ERR_DB;
    }
    freeReplyObject(reply);
    return r;
}

/* Connects, authenticates, selects the database and names the connection. Caller holds
 * mu. Returns 0 or ERR_DB. */
static int redis_client_connect(RedisClient *c)
{
    struct timeval tv = {.tv_sec = REDIS_CLIENT_TIMEOUT_SEC, .tv_usec = 0};
    char name[32];
    int r;

    redisContext *ctx = c->path ? redisConnectUnixWithTimeout(c->path, tv)
                                : redisConnectWithTimeout(c->host, c->port, tv);
    if (!ctx) {
        redis_client_set_error(c, "connect", "out of memory");
        return ERR_DB;
    }
    if (ctx->err) {
        redis_client_set_error(c, "connect", ctx->errstr);
        redisFree(ctx);
        return ERR_DB;
    }
    if (redisSetTimeout(ctx, tv) != REDIS_OK) {
        redis_client_set_error(c, "connect", "cannot set the timeout");
        redisFree(ctx);
        return ERR_DB;
    }
    c->ctx = ctx;

    if (c->password && c->user)
        r = redis_client_expect_ok(c, redisCommand(c->ctx, "AUTH %s %s", c->user, c->password),
                                   "AUTH");
    else if (c->password)
        r = redis_client_expect_ok(c, redisCommand(c->ctx, "AUTH %s", c->password), "AUTH");
    else
        r = 0;
    if (r == 0 && c->db != 0)
        r = redis_client_expect_ok(c, redisCommand(c->ctx, "SELECT %d", c->db), "SELECT");
    if (r == 0) {
        snprintf(name, sizeof(name), "swaz-%ld", (long)getpid());
        r = redis_client_expect_ok(c, redisCommand(c->ctx, "CLIENT SETNAME %s", name),
                                   "CLIENT SETNAME");
    }
    if (r < 0) {
        redisFree(c->ctx); /* NULL if already dropped */
        c->ctx = NULL;
        return ERR_DB;
    }
    c->errmsg[0] = '\0';
    return 0;
}

static void redis_client_free(RedisClient *c)
{
    free(c->host);
    free(c->path);
    free(c->user);
    if (c->password) {
        explicit_bzero(c->password, strlen(c->password));
        free(c->password);
    }
    free(c->describe);
    free(c);
}

int redis_client_open(const char *url, RedisClient **ret_client)
{
    if (!url)
        return -EINVAL;
    RedisClient *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    int r = redis_client_parse(c, url);
    if (r < 0)
        goto out_free;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        r = -ENOMEM;
        goto out_free;
    }
    RedisClientSigpipe sig;
    redis_client_sigpipe_block(&sig);
    r = redis_client_connect(c); /* no other thread knows c yet */
    redis_client_sigpipe_restore(&sig);
    if (r < 0)
        goto out_mutex;
    *ret_client = c;
    return 0;

out_mutex:
    pthread_mutex_destroy(&c->mu);
out_free:
    redis_client_free(c);
    return r;
}

void redis_client_close(RedisClient *client)
{
    if (!client)
        return;
    redisFree(client->ctx);
    pthread_mutex_destroy(&client->mu);
    redis_client_free(client);
}

int redis_client_ping(RedisClient *client)
{
    int r = ERR_DB;
    RedisClientSigpipe sig;
    pthread_mutex_lock(&client->mu);
    redis_client_sigpipe_block(&sig);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!client->ctx && redis_client_connect(client) < 0)
            break;
        redisReply *reply = redisCommand(client->ctx, "PING");
        if (!reply) {
            /* Dropped (server restart, idle timeout, CLIENT KILL): reconnect once. */
            redis_client_set_error(client, "PING", client->ctx->errstr);
            redisFree(client->ctx);
            client->ctx = NULL;
            continue;
        }
        if (reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "PONG") == 0) {
            r = 0;
        } else {
            redis_client_set_error(
                client, "PING", reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        }
        freeReplyObject(reply);
        break;
    }
    redis_client_sigpipe_restore(&sig);
    pthread_mutex_unlock(&client->mu);
    return r;
}

const char *redis_client_describe(const RedisClient *client)
{
    return client->describe;
}

void redis_client_errmsg(RedisClient *client, char *buf, size_t size)
{
    pthread_mutex_lock(&client->mu);
    str_copy(buf, client->errmsg, size);
    pthread_mutex_unlock(&client->mu);
}

/* ---- key/value commands ------------------------------------------------------------ */

/* Sends one command (argv form, binary-safe) and hands the reply to `take` while holding
 * mu; reconnects once when the connection has dropped. Returns what `take` returns, or
 * ERR_DB. */
typedef int (*RedisClientTake)(RedisClient *c, redisReply *reply, void *arg);

static int redis_client_run(RedisClient *c, const char *what, int argc, const char **argv,
                            const size_t *argvlen, RedisClientTake take, void *arg)
{
    int r = ERR_DB;
    RedisClientSigpipe sig;
    pthread_mutex_lock(&c->mu);
    redis_client_sigpipe_block(&sig);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!c->ctx && redis_client_connect(c) < 0)
            break;
        redisReply *reply = redisCommandArgv(c->ctx, argc, argv, argvlen);
        if (!reply) {
            redis_client_set_error(c, what, c->ctx->errstr);
            redisFree(c->ctx);
            c->ctx = NULL;
            continue;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            redis_client_set_error(c, what, reply->str);
            r = ERR_DB;
        } else {
            r = take(c, reply, arg);
        }
        freeReplyObject(reply);
        break;
    }
    redis_client_sigpipe_restore(&sig);
    pthread_mutex_unlock(&c->mu);
    return r;
}

typedef struct RedisClientGetArg {
    char *buf;
    size_t cap;
    size_t len;
} RedisClientGetArg;

static int redis_client_take_get(RedisClient *c, redisReply *reply, void *arg)
{
    RedisClientGetArg *g = arg;
    if (reply->type == REDIS_REPLY_NIL)
        return -ENOENT;
    if (reply->type != REDIS_REPLY_STRING) {
        redis_client_set_error(c, "GET", "unexpected reply");
        return ERR_DB;
    }
    if ((size_t)reply->len > g->cap)
        return ERR_LIMIT;
    memcpy(g->buf, reply->str, (size_t)reply->len);
    g->len = (size_t)reply->len;
    return 0;
}

static int redis_client_take_any(RedisClient *c, redisReply *reply, void *arg)
{
    (void)c;
    (void)reply;
    (void)arg;
    return 0;
}

static int redis_client_take_int(RedisClient *c, redisReply *reply, void *arg)
{
    if (reply->type != REDIS_REPLY_INTEGER) {
        redis_client_set_error(c, "INCR", "unexpected reply");
        return ERR_DB;
    }
    *(long long *)arg = reply->integer;
    return 0;
}

int redis_client_get(RedisClient *client, const char *key, char *buf, size_t cap, size_t *ret_len)
{
    const char *argv[2] = {"GET", key};
    size_t argvlen[2] = {3, strlen(key)};
    RedisClientGetArg g = {buf, cap, 0};
    int r = redis_client_run(client, "GET", 2, argv, argvlen, redis_client_take_get, &g);
    if (r == 0)
        *ret_len = g.len;
    return r;
}

int redis_client_set(RedisClient *client, const char *key, const char *value, size_t len,
                     unsigned ttl_s)
{
    char ttl[16];
    snprintf(ttl, sizeof(ttl), "%u", ttl_s);
    const char *argv[5] = {"SET", key, value, "EX", ttl};
    size_t argvlen[5] = {3, strlen(key), len, 2, strlen(ttl)};
    return redis_client_run(client, "SET", ttl_s ? 5 : 3, argv, argvlen, redis_client_take_any,
                            NULL);
}

int redis_client_del(RedisClient *client, const char *key)
{
    const char *argv[2] = {"DEL", key};
    size_t argvlen[2] = {3, strlen(key)};
    return redis_client_run(client, "DEL", 2, argv, argvlen, redis_client_take_any, NULL);
}

int redis_client_incr(RedisClient *client, const char *key, long long *ret_value)
{
    const char *argv[2] = {"INCR", key};
    size_t argvlen[2] = {4, strlen(key)};
    long long v = 0;
    int r = redis_client_run(client, "INCR", 2, argv, argvlen, redis_client_take_int, &v);
    if (r == 0)
        *ret_value = v;
    return r;
}
