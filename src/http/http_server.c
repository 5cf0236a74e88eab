/*
 * http_server.c - libmicrohttpd glue: request lifecycle, limits, header deadline, stop.
 *
 * One Exchange per request, created by the URI log callback (which sees the raw target:
 * 414 and the query string are decided there) and freed by NOTIFY_COMPLETED after the one
 * access-log line. The access handler checks the head on its first call, buffers a body on
 * the upload calls, and routes and answers on the last call (never on the first for a
 * good request: libmicrohttpd would then close the connection). One ConnSlot per TCP
 * connection feeds the watchdog thread that shuts down connections whose request head
 * does not arrive in time; a slot is unlinked in NOTIFY_CONNECTION CLOSED, which
 * libmicrohttpd calls before it closes the socket, so the watchdog never touches a reused
 * descriptor. See docs/internals/http.md.
 */
#include "http/http_server.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/str.h"
#include "http/http_file.h"
#include "http/http_gzip.h"
#include "http/http_internal.h"
#include "http/http_sender.h"
#include "http/http_workers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SERVER_WATCHDOG_PERIOD_MS 200
#define SERVER_DISCARD_MAX        ((uint64_t)LIMIT_HTTP_BODY_BYTES * 4) /* then drop the link */
#define SERVER_LOG_TARGET_BYTES   1024
#define SERVER_PLAIN_TYPE         "text/plain; charset=utf-8"
#define SERVER_GZIP_LEVEL         1 /* answers compressed on the fly: the fastest level */
#define SERVER_HEAD_MAX           (LIMIT_HTTP_HEADER_BYTES + 1024) /* a stream's response head */

/* One TCP connection, for the header deadline. */
typedef struct ConnSlot {
    int fd;
    bool awaiting_head; /* guarded by HttpServer.conn_mu */
    bool shut;          /* guarded by HttpServer.conn_mu */
    int64_t since_ms;   /* guarded by HttpServer.conn_mu: monotonic start of the wait */
    HttpPeerKey peer;
    bool admitted; /* guarded by HttpServer.conn_mu: counted by the sender, left when closed */
    struct ConnSlot *prev;
    struct ConnSlot *next;
} ConnSlot;

/* One request; libmicrohttpd's *con_cls. Used by the connection's thread only. */
typedef struct Exchange {
    HttpServer *server;
    struct MHD_Connection *conn;
    Arena *arena;
    HttpRequest req;
    HttpResponse res;
    int64_t started_ms;
    const char *target; /* raw request target (Arena-owned, maybe shortened) for the log */
    int early_status;   /* decided before the head was complete (414, 400), else 0 */
    bool head_seen;
    bool has_body;
    bool body_too_big;
    uint64_t body_seen;
    uint64_t body_max; /* the route's limit, else LIMIT_HTTP_BODY_BYTES */
    Buf body;
    /* Routing is decided on the first call, from the complete head. */
    const HttpRoute *route;   /* NULL: no route for this (method, path) */
    const HttpBodySink *sink; /* the route streams its body (HttpRouteBody.sink) */
    bool path_known;          /* no route, but the path exists with another method */
    char *scratch;            /* route placeholder values point into it */
    bool guarded;             /* the guard already ran (streamed bodies) */
    /* A streamed body (HttpRouteBody.sink): parsed as it arrives, never buffered. */
    struct MHD_PostProcessor *pp;
    bool sink_begun;         /* begin accepted: end is owed */
    bool handled;            /* the handler ran */
    int body_fail;           /* 0, 400 (bad multipart) or 1 (the sink answered in res) */
    uint64_t fail_seen;      /* body_seen when the body failed */
    int status;              /* queued status, 0 before */
    uint64_t body_len;       /* memory or fd body length */
    HttpLive *live;          /* a reference kept to count the bytes sent */
    HttpSharedEntry *shared; /* the shared file response queued, released at completion */
    char *log_head;          /* "peer method target" once the arena was released early, else NULL */
    bool detached;           /* the sender took the answer over; it writes the log line */
    /* Handed to a worker (HttpServerConfig.workers): the connection is suspended until the
     * job resumes it; in between only the worker touches the exchange. */
    bool worked;     /* the worker left the answer in res: queue it on the next call */
    bool run_here;   /* no worker took it: handle it on the next call, on this thread */
    bool compressed; /* server_compress() ran: not again on the event thread */
} Exchange;

struct HttpServer {
    HttpServerConfig cfg;
    struct MHD_Daemon *daemon;
    uint16_t port;
    int64_t deadline_ms;
    atomic_int in_flight; /* requests between the URI callback and NOTIFY_COMPLETED */
    HttpLiveList lives;
    HttpShared shared;    /* identical file answers in flight */
    HttpSender *sender;   /* long file answers, and the connection counts */
    HttpGzip *gzip;       /* compressors for text answers (http_gzip.h) */
    HttpWorkers *workers; /* run guards and handlers; NULL: the event threads do */
    uint64_t stream_min_bytes;
    pthread_mutex_t conn_mu;
    ConnSlot *conns; /* guarded by conn_mu */
    bool stopping;   /* guarded by conn_mu */
    pthread_cond_t watchdog_cv;
    pthread_t watchdog;
};

static const char *const server_secret_params[] = {
    "p", "t", "s", "apiKey", "token", "password", "jwt", "refresh",
};

static int64_t server_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- plain responses and queueing ---- */

static const char *server_plain_text(int status)
{
    switch (status) {
    case 400:
        return "400 Bad Request\n";
    case 404:
        return "404 Not Found\n";
    case 405:
        return "405 Method Not Allowed\n";
    case 413:
        return "413 Content Too Large\n";
    case 414:
        return "414 URI Too Long\n";
    case 431:
        return "431 Request Header Fields Too Large\n";
    case 500:
        return "500 Internal Server Error\n";
    default:
        return "Error\n";
    }
}

/* Replaces whatever the response held with a short text/plain body for `status`. */
static void server_plain(Exchange *x, int status)
{
    HttpResponse *res = &x->res;
    const char *text = server_plain_text(status);
    http_response_clear(res);
    res->status = status;
    res->kind = HTTP_BODY_MEM;
    res->content_type = SERVER_PLAIN_TYPE;
    res->data = text;
    res->length = strlen(text);
}

/* Answers a status the server decides itself (400, 404, 405, 413, 414, 431, 500) with the
 * application's error body (cfg.error_page), or a plain one when there is none or it fails. */
static void server_error(Exchange *x, int status)
{
    HttpResponse *res = &x->res;
    const HttpServerConfig *cfg = &x->server->cfg;
    http_response_clear(res);
    res->status = status;
    int rc = -1;
    if (cfg->error_page && x->req.arena) {
        rc = cfg->error_page(&x->req, res, status);
        if (rc < 0)
            log_error("http: error page for %d failed: %s", status, err_str(rc));
    }
    if (rc < 0 || res->status != status)
        server_plain(x, status);
}

static void server_log_target(Exchange *x, char *buf, size_t cap);

/* Returns "peer method target" for the access-log line (malloc'd), or NULL. */
static char *server_log_head(Exchange *x)
{
    char target[SERVER_LOG_TARGET_BYTES];
    server_log_target(x, target, sizeof(target));
    size_t len = strlen(x->req.peer_addr) + strlen(x->req.method) + strlen(target) + 3;
    char *head = malloc(len);
    if (head)
        snprintf(head, len, "%s %s %s", x->req.peer_addr, x->req.method, target);
    return head;
}

/* The access-log line of an answer whose request part is already formatted. */
static void server_log_access(const char *log_head, int status, uint64_t bytes, int64_t started_ms)
{
    log_info("ACCESS %s %d %" PRIu64 " %" PRId64 "ms", log_head, status, bytes,
             server_now_ms() - started_ms);
}

/* A file body is queued: nothing of the request is needed any more but its access-log
 * line, so the arena goes now rather than after the last byte (a listener may stream for an
 * hour; at 10,000 listeners that is tens of MB). Keeps the arena when out of memory. */
static void server_release_arena(Exchange *x)
{
    x->log_head = server_log_head(x);
    if (!x->log_head)
        return;
    http_response_clear(&x->res); /* its headers live in the arena; the fd is MHD's */
    memset(&x->req, 0, sizeof(x->req));
    x->req.method = "-";
    x->req.path = "";
    x->req.peer_addr = "-";
    x->target = "-";
    x->scratch = NULL;
    x->res.arena = NULL;
    arena_free(x->arena);
    x->arena = NULL;
}

/* Adds the description's headers, and ours, to `r`. */
static void server_decorate(struct MHD_Response *r, const HttpResponse *res, bool close_after)
{
    for (const HttpHeaderLine *h = res->headers; h; h = h->next) {
        if (MHD_add_response_header(r, h->name, h->value) != MHD_YES)
            log_warn("http: response header %s refused", h->name);
    }
    if (res->content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (close_after)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
}

/* A complete file response (it takes res->fd), for http_shared_response(). */
static struct MHD_Response *server_build_fd(HttpResponse *res, bool close_after)
{
    struct MHD_Response *r =
        MHD_create_response_from_fd_at_offset64(res->length, res->fd, res->offset);
    if (!r)
        return NULL;
    res->fd = -1; /* libmicrohttpd closes it when the response is destroyed */
    server_decorate(r, res, close_after);
    return r;
}

static ConnSlot *server_slot(struct MHD_Connection *conn);

/* The head of an answer the sender writes: what libmicrohttpd would have sent for it. */
static int server_stream_head(const HttpResponse *res, Buf *head)
{
    char date[32];
    if (http_file_format_date(time(NULL), date) < 0)
        return -EOVERFLOW;
    const char *reason = MHD_get_reason_phrase_for((unsigned)res->status);
    int rc = buf_printf(head, "HTTP/1.1 %d %s\r\nDate: %s\r\n", res->status,
                        reason && reason[0] ? reason : "Unknown", date);
    for (const HttpHeaderLine *h = res->headers; h && rc == 0; h = h->next)
        rc = buf_printf(head, "%s: %s\r\n", h->name, h->value);
    if (rc == 0 && res->content_type)
        rc = buf_printf(head, "Content-Type: %s\r\n", res->content_type);
    if (rc == 0)
        rc = buf_printf(head,
                        "X-Content-Type-Options: nosniff\r\nContent-Length: %" PRIu64
                        "\r\nConnection: close\r\n\r\n",
                        res->length);
    return rc;
}

/* Hands a long file answer to a GET over to the sender: libmicrohttpd's connection (and its
 * memory pool) goes away, the sender writes the head and the body on its own descriptor of
 * the socket and closes it after the last byte. Returns 0 when the sender took it (the
 * caller returns MHD_NO, which closes libmicrohttpd's side without a shutdown, as
 * MHD_USE_TURBO is set), or a negative errno with nothing changed. */
static int server_detach(Exchange *x)
{
    HttpServer *s = x->server;
    HttpResponse *res = &x->res;
    if (res->length < s->stream_min_bytes || x->req.is_head || strcmp(x->req.method, "GET") != 0 ||
        x->sink_begun || (res->status != 200 && res->status != 206))
        return -EINVAL;
    ConnSlot *slot = server_slot(x->conn);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(x->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!slot || !ci)
        return -EINVAL;
    pthread_mutex_lock(&s->conn_mu);
    bool admitted = slot->admitted && !slot->shut;
    pthread_mutex_unlock(&s->conn_mu);
    if (!admitted)
        return -EINVAL;
    Buf head;
    buf_init(&head, SERVER_HEAD_MAX);
    int rc = server_stream_head(res, &head);
    HttpSenderStream st = {
        .sock = -1,
        .fd = res->fd,
        .offset = res->offset,
        .length = res->length,
        .head_len = head.len,
        .status = res->status,
        .started_ms = x->started_ms,
        .peer = slot->peer,
    };
    st.head = rc == 0 ? buf_steal(&head) : NULL;
    st.log_head = st.head ? server_log_head(x) : NULL;
    if (st.log_head)
        st.sock = fcntl(ci->connect_fd, F_DUPFD_CLOEXEC, 0);
    rc = st.sock < 0 ? -ENOMEM : 0;
    if (rc == 0) {
        pthread_mutex_lock(&s->conn_mu);
        slot->admitted = false; /* the stream takes the connection's place in the counts */
        pthread_mutex_unlock(&s->conn_mu);
        rc = http_sender_add(s->sender, &st);
        if (rc < 0) {
            pthread_mutex_lock(&s->conn_mu);
            slot->admitted = true;
            pthread_mutex_unlock(&s->conn_mu);
        }
    }
    if (rc < 0) {
        if (st.sock >= 0)
            close(st.sock);
        free(st.log_head);
        free(st.head);
        buf_free(&head);
        return rc;
    }
    res->fd = -1;
    x->detached = true;
    x->status = res->status;
    return 0;
}

/* Sends a text body in memory as gzip when the client takes it (http_gzip.h); a body the
 * handler already encoded is left alone. */
static void server_compress(Exchange *x)
{
    HttpResponse *res = &x->res;
    if (res->length < HTTP_GZIP_MIN_BYTES || !http_gzip_compressible(res->content_type) ||
        http_response_has_header(res, "Content-Encoding"))
        return;
    void *gz;
    size_t n;
    if (!http_gzip_accepted(&x->req)) {
        if (!http_response_has_header(res, "Vary"))
            (void)http_response_header(res, "Vary", "Accept-Encoding"); /* for caches */
        return;
    }
    if (http_gzip_compress(x->server->gzip, res->data, (size_t)res->length, &gz, &n) == 0)
        (void)http_response_body_gzip(res, res->content_type, gz, n, free, gz); /* or as it was */
}

/* Turns the response description into a libmicrohttpd response and queues it. */
static enum MHD_Result server_queue(Exchange *x, bool close_after)
{
    HttpResponse *res = &x->res;
    struct MHD_Response *r = NULL;
    bool decorated = false;
    if (res->status < 100 || res->status > 599) {
        log_error("http: handler set invalid status %d", res->status);
        server_plain(x, 500);
    }
    switch (res->kind) {
    case HTTP_BODY_NONE:
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        break;
    case HTTP_BODY_MEM:
        if (!x->compressed)
            server_compress(x);
        if (res->release) {
            r = MHD_create_response_from_buffer_with_free_callback_cls(
                (size_t)res->length, (void *)(uintptr_t)res->data, res->release, res->release_cls);
            if (r) { /* libmicrohttpd calls it when the response is destroyed */
                res->release = NULL;
                res->release_cls = NULL;
            }
        } else {
            r = MHD_create_response_from_buffer((size_t)res->length, (void *)(uintptr_t)res->data,
                                                MHD_RESPMEM_PERSISTENT);
        }
        break;
    case HTTP_BODY_FD:
        if (server_detach(x) == 0)
            return MHD_NO;
        if (res->length == 0) {
            http_response_drop_body(res);
            r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        } else {
            r = http_shared_response(&x->server->shared, res, close_after, server_build_fd,
                                     &x->shared);
            if (!r && res->fd >= 0)
                r = server_build_fd(res, close_after);
            decorated = r != NULL;
        }
        break;
    case HTTP_BODY_LIVE:
        x->live = res->live;
        http_live_ref(x->live);
        metrics_inc(METRICS_LIVE_STREAMS); /* lowered when the exchange completes */
        r = http_live_mhd_response(res->live, x->conn, &x->server->lives);
        res->live = NULL;
        break;
    }
    uint64_t len = res->kind == HTTP_BODY_LIVE ? 0 : res->length;
    if (!r) {
        log_error("http: cannot build a response (out of memory)");
        if (x->live)
            metrics_add(METRICS_LIVE_STREAMS, -1);
        http_live_unref(x->live);
        x->live = NULL;
        server_plain(x, 500);
        len = res->length;
        r = MHD_create_response_from_buffer((size_t)len, (void *)(uintptr_t)res->data,
                                            MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
    }
    if (!decorated)
        server_decorate(r, res, close_after);
    enum MHD_Result ret = MHD_queue_response(x->conn, (unsigned)res->status, r);
    if (!x->shared) {
        MHD_destroy_response(r); /* a shared one keeps the table's reference */
    } else if (ret != MHD_YES) {
        http_shared_release(&x->server->shared, x->shared);
        x->shared = NULL;
    }
    if (ret == MHD_YES) {
        x->status = res->status;
        x->body_len = x->req.is_head ? 0 : len;
        if (res->kind == HTTP_BODY_FD && !x->sink_begun && !x->live)
            server_release_arena(x);
    }
    return ret;
}

/* ---- routing ---- */

static void server_allow(const HttpServer *s, const char *path, char *scratch, char *out,
                         size_t cap)
{
    static const char *const methods[] = {"GET",   "HEAD",   "POST",   "PUT",
                                          "PATCH", "DELETE", "OPTIONS"};
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        const char *params[LIMIT_HTTP_ROUTE_PARAMS];
        int n = 0;
        bool known = false;
        if (!http_router_match(s->cfg.router, methods[i], path, scratch, params, &n, &known))
            continue;
        int k = snprintf(out + o, cap - o, "%s%s", o ? ", " : "", methods[i]);
        if (k < 0 || (size_t)k >= cap - o)
            break;
        o += (size_t)k;
    }
}

static enum MHD_Result server_not_found(HttpServer *s, Exchange *x, int status, char *scratch)
{
    HttpResponse *res = &x->res;
    server_error(x, status);
    if (status == 405) {
        char allow[96];
        server_allow(s, x->req.path, scratch, allow, sizeof(allow));
        http_response_header(res, "Allow", allow);
    }
    return server_queue(x, false);
}

/* Runs the guard, the handler and the after hook of a matched route, leaving the answer in
 * x->res (a 500 when the handler failed), compressed when the client takes gzip. */
static void server_handle(HttpServer *s, Exchange *x)
{
    HttpRequest *req = &x->req;
    const HttpRoute *route = x->route;
    int rc = s->cfg.guard && !x->guarded ? s->cfg.guard(req, &x->res, route) : 0;
    if (rc == 0) {
        x->handled = true;
        rc = route->handler(req, &x->res);
        if (rc == 0 && s->cfg.after)
            s->cfg.after(req, &x->res, route);
    } else if (rc > 0) {
        rc = 0; /* the guard answered */
    }
    if (rc < 0) {
        log_error("http: handler for %s %s failed: %s", req->method, route->pattern, err_str(rc));
        server_error(x, 500);
    }
    if (x->res.kind == HTTP_BODY_MEM) {
        server_compress(x); /* here, not on the event thread */
        x->compressed = true;
    }
}

/* A worker's job: handles the request, then hands the connection back. The exchange is the
 * event thread's again as soon as it is resumed: nothing touches it after that. */
static void server_work(void *arg)
{
    Exchange *x = arg;
    server_handle(x->server, x);
    x->worked = true;
    MHD_resume_connection(x->conn);
}

/* Suspends the connection and gives its request to a worker. When none takes it (the pool is
 * stopping), the connection is resumed at once and the next call handles it here. */
static enum MHD_Result server_defer(HttpServer *s, Exchange *x)
{
    struct MHD_Connection *conn = x->conn;
    MHD_suspend_connection(conn);
    if (http_workers_post(s->workers, server_work, x) == 0)
        return MHD_YES; /* the worker owns x now */
    x->run_here = true;
    MHD_resume_connection(conn);
    return MHD_YES;
}

static enum MHD_Result server_dispatch(HttpServer *s, Exchange *x)
{
    HttpRequest *req = &x->req;
    if (x->worked)
        return server_queue(x, false);
    if (x->has_body && !x->sink_begun) {
        req->body = x->body.data ? x->body.data : "";
        req->body_len = x->body.len;
    }
    const HttpRoute *route = x->route;
    if (!route) {
        int rc;
        bool get = strcmp(req->method, "GET") == 0 || req->is_head;
        if (x->path_known || !get || !s->cfg.fallback ||
            (rc = s->cfg.fallback(req, &x->res)) == -ENOENT)
            return server_not_found(s, x, x->path_known ? 405 : 404, x->scratch);
        if (rc < 0) {
            log_error("http: handler for %s (fallback) failed: %s", req->method, err_str(rc));
            server_error(x, 500);
        }
        return server_queue(x, false);
    }
    if (s->workers && !x->run_here) {
        int q = s->cfg.quick && !x->guarded ? s->cfg.quick(req, &x->res, route) : 0;
        if (q < 0) {
            log_error("http: quick answer to %s %s failed: %s", req->method, route->pattern,
                      err_str(q));
            server_error(x, 500);
        }
        if (q != 0)
            return server_queue(x, false);
        return server_defer(s, x);
    }
    server_handle(s, x);
    return server_queue(x, false);
}

/* ---- header deadline bookkeeping ---- */

static ConnSlot *server_slot(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void server_slot_set(HttpServer *s, struct MHD_Connection *conn, bool awaiting)
{
    ConnSlot *slot = server_slot(conn);
    if (!slot)
        return;
    pthread_mutex_lock(&s->conn_mu);
    slot->awaiting_head = awaiting;
    slot->since_ms = server_now_ms();
    pthread_mutex_unlock(&s->conn_mu);
}

static void server_notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                                     enum MHD_ConnectionNotificationCode code)
{
    HttpServer *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        ConnSlot *slot = calloc(1, sizeof(*slot));
        if (!slot || !ci) {
            free(slot);
            log_warn("http: no header deadline for a connection (out of memory)");
            return;
        }
        slot->fd = ci->connect_fd;
        slot->awaiting_head = true;
        slot->since_ms = server_now_ms();
        const union MHD_ConnectionInfo *ai =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ai && ai->client_addr && http_sender_peer_key(ai->client_addr, &slot->peer) == 0)
            slot->admitted = http_sender_admit(s->sender, &slot->peer);
        if (!slot->admitted) {
            /* Over the total or the peer's limit, counting the sender's streams. */
            shutdown(slot->fd, SHUT_RDWR);
            slot->shut = true;
            log_debug("http: connection refused: connection limit reached");
        }
        pthread_mutex_lock(&s->conn_mu);
        slot->next = s->conns;
        if (s->conns)
            s->conns->prev = slot;
        s->conns = slot;
        pthread_mutex_unlock(&s->conn_mu);
        *socket_context = slot;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        ConnSlot *slot = *socket_context;
        if (!slot)
            return;
        pthread_mutex_lock(&s->conn_mu);
        if (slot->prev)
            slot->prev->next = slot->next;
        else
            s->conns = slot->next;
        if (slot->next)
            slot->next->prev = slot->prev;
        bool admitted = slot->admitted;
        pthread_mutex_unlock(&s->conn_mu);
        if (admitted)
            http_sender_leave(s->sender, &slot->peer);
        free(slot);
        *socket_context = NULL;
    }
}

static void *server_watchdog(void *arg)
{
    HttpServer *s = arg;
    pthread_mutex_lock(&s->conn_mu);
    while (!s->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += SERVER_WATCHDOG_PERIOD_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->watchdog_cv, &s->conn_mu, &ts);
        int64_t now = server_now_ms();
        for (ConnSlot *c = s->conns; c; c = c->next) {
            if (c->awaiting_head && !c->shut && now - c->since_ms >= s->deadline_ms) {
                /* The slot is still linked, so libmicrohttpd has not closed fd yet. */
                shutdown(c->fd, SHUT_RDWR);
                c->shut = true;
                log_debug("http: connection dropped: no request head within %" PRId64 " s",
                          s->deadline_ms / 1000);
            }
        }
    }
    pthread_mutex_unlock(&s->conn_mu);
    return NULL;
}

/* ---- request lifecycle ---- */

static const char *server_peer(Arena *arena, struct MHD_Connection *conn)
{
    char text[INET6_ADDRSTRLEN] = "-";
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        if (ci->client_addr->sa_family == AF_INET) {
            struct sockaddr_in in4;
            memcpy(&in4, ci->client_addr, sizeof(in4));
            inet_ntop(AF_INET, &in4.sin_addr, text, sizeof(text));
        } else if (ci->client_addr->sa_family == AF_INET6) {
            struct sockaddr_in6 in6;
            memcpy(&in6, ci->client_addr, sizeof(in6));
            inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
        }
    }
    const char *copy = arena_strdup(arena, text);
    return copy ? copy : "-";
}

static void server_exchange_free(Exchange *x)
{
    if (x->pp)
        MHD_destroy_post_processor(x->pp);
    if (x->sink_begun)
        x->sink->end(&x->req, x->handled);
    http_response_clear(&x->res);
    http_live_unref(x->live);
    http_shared_release(&x->server->shared, x->shared);
    buf_free(&x->body);
    free(x->log_head);
    arena_free(x->arena);
    free(x);
}

static void *server_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    HttpServer *s = cls;
    Exchange *x = calloc(1, sizeof(*x));
    if (x && !(x->arena = arena_new(LIMIT_HTTP_ARENA_BYTES))) {
        free(x);
        x = NULL;
    }
    if (!x) {
        log_error("http: no memory for a request: connection closed");
        return NULL;
    }
    x->server = s;
    x->conn = conn;
    x->started_ms = server_now_ms();
    x->body_max = LIMIT_HTTP_BODY_BYTES;
    buf_init(&x->body, LIMIT_HTTP_BODY_BYTES);
    http_response_init(&x->res, x->arena);
    x->req.arena = x->arena;
    x->req.app = s->cfg.app;
    x->req.impl = conn;
    x->req.method = "-";
    x->req.path = "";
    x->req.peer_addr = server_peer(x->arena, conn);

    size_t len = strnlen(uri, LIMIT_HTTP_URL_BYTES + 1);
    if (len > LIMIT_HTTP_URL_BYTES) {
        x->early_status = 414;
        x->target = arena_printf(x->arena, "%.200s...", uri);
    } else {
        x->target = arena_strndup(x->arena, uri, len);
        const char *q = x->target ? memchr(x->target, '?', len) : NULL;
        if (!x->target) {
            x->early_status = 500;
        } else if (q) {
            size_t qlen = len - (size_t)(q + 1 - x->target);
            int rc = http_query_parse(x->arena, q + 1, qlen, &x->req.query);
            if (rc < 0)
                x->early_status = rc == -ENOMEM ? 500 : 400;
        }
    }
    if (!x->target)
        x->target = "-";
    atomic_fetch_add(&s->in_flight, 1);
    return x;
}

static enum MHD_Result server_count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                           const char *value)
{
    size_t *total = cls;
    (void)kind;
    *total += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
    return MHD_YES;
}

static bool server_is_body_method(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0 || strcmp(method, "DELETE") == 0;
}

/* Matches the route once the head is complete; sets the body limit. Returns 0 or 500. */
static int server_route(HttpServer *s, Exchange *x)
{
    HttpRequest *req = &x->req;
    x->scratch = arena_alloc(x->arena, strlen(req->path) + 1);
    if (!x->scratch)
        return 500;
    x->route = http_router_match(s->cfg.router, req->method, req->path, x->scratch, req->params,
                                 &req->n_params, &x->path_known);
    const HttpRouteBody *body = x->route ? http_router_body(s->cfg.router, x->route) : NULL;
    if (body && body->max) {
        x->body_max = body->max;
        if (!body->sink)
            buf_init(&x->body, (size_t)x->body_max); /* still empty */
    }
    x->sink = body ? body->sink : NULL;
    return 0;
}

/* Marks a streamed body as failed: the rest is discarded (up to LIMIT_HTTP_DRAIN_BYTES) and
 * the answer sent at the last call. `how`: 400 (bad multipart), 413, or 1 (sink answered). */
static void server_body_fail(Exchange *x, int how)
{
    if (x->body_fail)
        return;
    x->body_fail = how;
    x->fail_seen = x->body_seen;
}

static enum MHD_Result server_post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                        const char *filename, const char *content_type,
                                        const char *transfer_encoding, const char *data,
                                        uint64_t off, size_t size)
{
    Exchange *x = cls;
    (void)kind;
    (void)transfer_encoding;
    if (x->body_fail)
        return MHD_NO;
    HttpFormPart part = {
        .name = key ? key : "", .filename = filename, .content_type = content_type};
    if (x->sink->data(&x->req, &x->res, &part, off, data, size) < 0) {
        server_body_fail(x, 1);
        return MHD_NO;
    }
    return MHD_YES;
}

/* A streamed body: the guard runs now (before any byte is taken), then the sink decides. */
static enum MHD_Result server_sink_begin(HttpServer *s, Exchange *x)
{
    HttpRequest *req = &x->req;
    int rc = s->cfg.guard ? s->cfg.guard(req, &x->res, x->route) : 0;
    x->guarded = true;
    if (rc == 0) {
        rc = x->sink->begin(req, &x->res);
        x->sink_begun = rc == 0;
    }
    if (rc < 0) {
        log_error("http: body sink for %s %s failed: %s", req->method, x->route->pattern,
                  err_str(rc));
        server_error(x, 500);
    }
    if (rc != 0)
        return server_queue(x, true);
    x->pp = MHD_create_post_processor(x->conn, LIMIT_HTTP_POST_BUFFER_BYTES, server_post_iter, x);
    if (!x->pp) /* not multipart/form-data (or urlencoded), or no boundary */
        server_body_fail(x, 400);
    return MHD_YES;
}

/* The request head is complete: check it against the limits. */
static enum MHD_Result server_first_call(HttpServer *s, Exchange *x, const char *url,
                                         const char *method)
{
    struct MHD_Connection *conn = x->conn;
    x->head_seen = true;
    server_slot_set(s, conn, false);
    const char *m = arena_strdup(x->arena, method);
    x->req.method = m ? m : method;
    x->req.is_head = strcmp(method, "HEAD") == 0;
    x->req.path = url;

    int status = x->early_status;
    if (status == 0) {
        size_t total = 0;
        MHD_get_connection_values(conn, MHD_HEADER_KIND, server_count_header, &total);
        if (total > LIMIT_HTTP_HEADER_BYTES)
            status = 431;
    }
    const char *te =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (status == 0 && te && cl)
        status = 400; /* request smuggling shape: never guess which one framing is */
    if (status == 0)
        status = server_route(s, x);
    uint64_t declared = 0;
    if (status == 0 && cl && str_to_uint64(cl, &declared) == 0 && declared > x->body_max)
        status = 413;
    if (status != 0) {
        /* Answering on the first call makes libmicrohttpd close after the response and
         * discard any body: what these errors want. */
        server_error(x, status);
        return server_queue(x, true);
    }
    x->has_body = server_is_body_method(method);
    if (x->has_body && x->sink)
        return server_sink_begin(s, x);
    return MHD_YES;
}

/* Upload calls of a streamed body: parsed and handed to the sink, never buffered. */
static enum MHD_Result server_stream(Exchange *x, const char *data, size_t n)
{
    x->body_seen += n;
    if (!x->body_fail && x->body_seen > x->body_max)
        server_body_fail(x, 413);
    if (!x->body_fail && x->pp && MHD_post_process(x->pp, data, n) != MHD_YES)
        server_body_fail(x, 400); /* unless the sink failed first and answered */
    if (x->body_fail && x->body_seen - x->fail_seen > LIMIT_HTTP_DRAIN_BYTES)
        return MHD_NO; /* the client keeps sending after the refusal: drop the link */
    return MHD_YES;
}

/* Last call of a streamed body: flushes the parser, then answers a failure or dispatches. */
static enum MHD_Result server_stream_end(HttpServer *s, Exchange *x)
{
    if (x->pp) {
        enum MHD_Result done = MHD_destroy_post_processor(x->pp);
        x->pp = NULL;
        if (done != MHD_YES)
            server_body_fail(x, 400); /* truncated multipart: no closing boundary */
    }
    if (!x->body_fail)
        return server_dispatch(s, x);
    if (x->body_fail != 1)
        server_error(x, x->body_fail);
    return server_queue(x, true);
}

static enum MHD_Result server_upload(Exchange *x, const char *data, size_t *size)
{
    size_t n = *size;
    *size = 0;
    if (x->sink_begun)
        return server_stream(x, data, n);
    x->body_seen += n;
    if (!x->body_too_big) {
        if (x->has_body) {
            int rc = buf_append(&x->body, data, n);
            if (rc == ERR_LIMIT) {
                x->body_too_big = true;
                buf_free(&x->body);
            } else if (rc < 0) {
                return MHD_NO;
            }
        } else if (x->body_seen > x->body_max) {
            x->body_too_big = true;
        }
    }
    /* A response cannot be queued while upload data is handed over: drain to the end and
     * answer 413 then, unless the client keeps sending far past the limit. */
    if (x->body_too_big && x->body_seen > SERVER_DISCARD_MAX)
        return MHD_NO;
    return MHD_YES;
}

static enum MHD_Result server_access(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls)
{
    HttpServer *s = cls;
    Exchange *x = *con_cls;
    (void)conn;
    (void)version;
    if (!x)
        return MHD_NO; /* the URI callback ran out of memory */
    if (!x->head_seen)
        return server_first_call(s, x, url, method);
    if (*upload_data_size > 0)
        return server_upload(x, upload_data, upload_data_size);
    if (x->sink_begun)
        return server_stream_end(s, x);
    if (x->body_too_big) {
        server_error(x, 413);
        return server_queue(x, true);
    }
    return server_dispatch(s, x);
}

/* ---- access log ---- */

typedef struct LogOut {
    char *buf;
    size_t cap;
    size_t len;
    bool full;
} LogOut;

static void log_out_bytes(LogOut *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n && !o->full; i++) {
        unsigned char c = (unsigned char)s[i];
        bool plain = c > 0x20 && c < 0x7f && c != '"';
        size_t need = plain ? 1 : 3;
        if (o->len + need + 4 > o->cap) {
            memcpy(o->buf + o->len, "...", 4);
            o->len += 3;
            o->full = true;
            return;
        }
        if (plain) {
            o->buf[o->len++] = (char)c;
        } else {
            o->buf[o->len++] = '%';
            o->buf[o->len++] = hex[c >> 4];
            o->buf[o->len++] = hex[c & 15];
        }
        o->buf[o->len] = '\0';
    }
}

static bool server_is_secret(Arena *arena, const char *key, size_t len)
{
    const char *name = http_query_decode(arena, key, len, 1, 32);
    if (!name) {
        /* Undecodable: redact if it could hide one of the names behind an escape. */
        return memchr(key, '%', len) != NULL;
    }
    for (size_t i = 0; i < sizeof(server_secret_params) / sizeof(server_secret_params[0]); i++)
        if (strcasecmp(name, server_secret_params[i]) == 0)
            return true;
    return false;
}

/* Writes the target with the values of credential parameters replaced by "***". */
static void server_log_target(Exchange *x, char *buf, size_t cap)
{
    LogOut o = {.buf = buf, .cap = cap};
    buf[0] = '\0';
    const char *t = x->target;
    const char *q = strchr(t, '?');
    log_out_bytes(&o, t, q ? (size_t)(q - t) : strlen(t));
    if (!q)
        return;
    log_out_bytes(&o, "?", 1);
    const char *p = q + 1;
    for (;;) {
        const char *amp = strchr(p, '&');
        size_t plen = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', plen);
        size_t klen = eq ? (size_t)(eq - p) : plen;
        log_out_bytes(&o, p, klen);
        if (eq) {
            log_out_bytes(&o, "=", 1);
            if (server_is_secret(x->arena, p, klen))
                log_out_bytes(&o, "***", 3);
            else
                log_out_bytes(&o, eq + 1, plen - klen - 1);
        }
        if (!amp)
            break;
        log_out_bytes(&o, "&", 1);
        p = amp + 1;
    }
}

static void server_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                             enum MHD_RequestTerminationCode toe)
{
    HttpServer *s = cls;
    Exchange *x = *con_cls;
    if (!x || !x->detached) /* a handed-over socket must never meet the watchdog */
        server_slot_set(s, conn, true);
    if (!x)
        return;
    *con_cls = NULL;
    if (x->detached) { /* the sender logs it when the stream ends */
        server_exchange_free(x);
        atomic_fetch_sub(&s->in_flight, 1);
        return;
    }
    int status = x->status;
    if (status == 0) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
        if (ci)
            status = (int)ci->http_status;
    }
    metrics_http_status(status);
    uint64_t bytes = 0;
    if (x->live) {
        bytes = http_live_sent(x->live);
        metrics_add(METRICS_LIVE_STREAMS, -1);
    } else if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        bytes = x->body_len;
    }
    if (x->log_head) {
        server_log_access(x->log_head, status, bytes, x->started_ms);
    } else {
        char target[SERVER_LOG_TARGET_BYTES];
        server_log_target(x, target, sizeof(target));
        log_info("ACCESS %s %s %s %d %" PRIu64 " %" PRId64 "ms", x->req.peer_addr, x->req.method,
                 target, status, bytes, server_now_ms() - x->started_ms);
    }
    server_exchange_free(x);
    atomic_fetch_sub(&s->in_flight, 1);
}

__attribute__((format(printf, 2, 0))) static void server_mhd_log(void *cls, const char *fmt,
                                                                 va_list ap)
{
    char line[512];
    (void)cls;
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    if (n < 0)
        return;
    size_t len = strnlen(line, sizeof(line));
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    /* MHD_NO from the access handler: a stream handed to the sender, or a failure that was
     * logged where it happened. */
    if (strstr(line, "Application reported internal error"))
        log_debug("http: libmicrohttpd: %s", line);
    else
        log_warn("http: libmicrohttpd: %s", line);
}

/* ---- start and stop ---- */

typedef union ServerAddr {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
    struct sockaddr_storage ss;
} ServerAddr;

static int server_listen(const char *address, uint16_t port, int *ret_fd, uint16_t *ret_port)
{
    ServerAddr addr;
    socklen_t alen;
    memset(&addr, 0, sizeof(addr));
    if (inet_pton(AF_INET, address, &addr.in4.sin_addr) == 1) {
        addr.in4.sin_family = AF_INET;
        addr.in4.sin_port = htons(port);
        alen = sizeof(addr.in4);
    } else if (inet_pton(AF_INET6, address, &addr.in6.sin6_addr) == 1) {
        addr.in6.sin6_family = AF_INET6;
        addr.in6.sin6_port = htons(port);
        alen = sizeof(addr.in6);
    } else {
        return -EINVAL;
    }
    int rc;
    int fd = socket(addr.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (addr.sa.sa_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, &addr.sa, alen) < 0 || listen(fd, SOMAXCONN) < 0) {
        rc = -errno;
        goto out_close;
    }
    alen = sizeof(addr);
    if (getsockname(fd, &addr.sa, &alen) < 0) {
        rc = -errno;
        goto out_close;
    }
    *ret_port = ntohs(addr.sa.sa_family == AF_INET ? addr.in4.sin_port : addr.in6.sin6_port);
    *ret_fd = fd;
    return 0;

out_close:
    close(fd);
    return rc;
}

static unsigned server_default(unsigned v, unsigned def)
{
    return v ? v : def;
}

/* HttpSenderDone: a stream handed to the sender ended. */
static void server_stream_done(void *cls, const char *log_head, int status, uint64_t bytes,
                               bool complete, int64_t started_ms)
{
    (void)cls;
    (void)complete;
    metrics_http_status(status);
    server_log_access(log_head, status, bytes, started_ms);
}

int http_server_start(const HttpServerConfig *cfg, HttpServer **ret_server)
{
    if (!cfg->address || !cfg->router || cfg->threads > LIMIT_THREADS_MAX ||
        cfg->workers > LIMIT_THREADS_MAX || cfg->max_connections > LIMIT_CONN_TOTAL_MAX)
        return -EINVAL;
    int rc = -ENOMEM;
    HttpServer *s = calloc(1, sizeof(*s));
    if (!s)
        goto out;
    s->cfg = *cfg;
    s->cfg.threads = server_default(cfg->threads, 1);
    s->cfg.max_connections = server_default(cfg->max_connections, LIMIT_CONN_TOTAL_MAX);
    s->cfg.per_ip_connections = server_default(cfg->per_ip_connections, LIMIT_CONN_PER_IP_DEFAULT);
    s->cfg.timeout_s = server_default(cfg->timeout_s, LIMIT_CONN_TIMEOUT_S_DEFAULT);
    s->deadline_ms =
        (int64_t)server_default(cfg->header_deadline_s, LIMIT_HTTP_HEADER_DEADLINE_S) * 1000;
    atomic_init(&s->in_flight, 0);
    s->stream_min_bytes =
        cfg->stream_min_bytes ? cfg->stream_min_bytes : (uint64_t)HTTP_SENDER_MIN_BYTES_DEFAULT;

    HttpSenderConfig sc = {
        .max_connections = s->cfg.max_connections,
        .per_peer = s->cfg.per_ip_connections,
        .timeout_s = s->cfg.timeout_s,
        .done = server_stream_done,
        .done_cls = s,
    };
    rc = http_sender_start(&sc, &s->sender);
    if (rc < 0)
        goto out_free;
    rc = http_gzip_new(SERVER_GZIP_LEVEL, s->cfg.threads + s->cfg.workers, &s->gzip);
    if (rc < 0)
        goto out_sender;
    /* A connection has at most one request waiting: the queue never fills. */
    if (s->cfg.workers &&
        (rc = http_workers_new(s->cfg.workers, s->cfg.max_connections, &s->workers)) < 0)
        goto out_gzip;
    rc = http_live_list_init(&s->lives);
    if (rc < 0)
        goto out_workers;
    rc = http_shared_init(&s->shared);
    if (rc < 0)
        goto out_live_list;
    rc = -pthread_mutex_init(&s->conn_mu, NULL);
    if (rc < 0)
        goto out_shared;
    pthread_condattr_t attr;
    rc = -pthread_condattr_init(&attr);
    if (rc < 0)
        goto out_mutex;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    rc = -pthread_cond_init(&s->watchdog_cv, &attr);
    pthread_condattr_destroy(&attr);
    if (rc < 0)
        goto out_mutex;

    int fd = -1;
    rc = server_listen(cfg->address, cfg->port, &fd, &s->port);
    if (rc < 0)
        goto out_cond;

    /* MHD_USE_TURBO: libmicrohttpd then closes a connection without shutdown(), which would
     * end a stream handed to the sender on another descriptor of the same socket. */
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                     MHD_USE_TURBO;
    if (strchr(cfg->address, ':'))
        flags |= MHD_USE_IPv6;
    /* A pool of one is no pool: repeat an option instead of passing THREAD_POOL_SIZE. */
    bool pool = s->cfg.threads > 1;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, server_access, s, MHD_OPTION_EXTERNAL_LOGGER, server_mhd_log,
        (void *)s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        pool ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)(pool ? s->cfg.threads : s->cfg.max_connections), MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)s->cfg.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned int)s->cfg.per_ip_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)s->cfg.timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)LIMIT_HTTP_CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, server_completed, (void *)s,
        MHD_OPTION_NOTIFY_CONNECTION, server_notify_connection, (void *)s,
        MHD_OPTION_URI_LOG_CALLBACK, server_uri_log, (void *)s, MHD_OPTION_END);
    if (!s->daemon) {
        /* libmicrohttpd may already have closed fd on this path: leak it rather than risk
         * closing a descriptor reused by another thread. Start-up fails anyway. */
        rc = -EINVAL;
        goto out_cond;
    }
    rc = -pthread_create(&s->watchdog, NULL, server_watchdog, s);
    if (rc < 0)
        goto out_daemon;
    *ret_server = s;
    return 0;

out_daemon:
    MHD_stop_daemon(s->daemon);
out_cond:
    pthread_cond_destroy(&s->watchdog_cv);
out_mutex:
    pthread_mutex_destroy(&s->conn_mu);
out_shared:
    http_shared_destroy(&s->shared);
out_live_list:
    http_live_list_destroy(&s->lives);
out_workers:
    http_workers_free(s->workers);
out_gzip:
    http_gzip_free(s->gzip);
out_sender:
    http_sender_stop(s->sender);
out_free:
    free(s);
out:
    return rc;
}

uint16_t http_server_port(const HttpServer *server)
{
    return server->port;
}

void http_server_stop(HttpServer *server, unsigned grace_ms)
{
    if (!server)
        return;
    MHD_socket listen_fd = MHD_quiesce_daemon(server->daemon);
    int64_t end = server_now_ms() + grace_ms;
    while ((atomic_load(&server->in_flight) > 0 || http_sender_streams(server->sender) > 0) &&
           server_now_ms() < end) {
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
    /* A suspended connection must be resumed before MHD_stop_daemon: the workers finish the
     * requests they hold, which resumes theirs (later ones are handled on the event threads);
     * cancelling the live pipes resumes theirs, and their readers then end the bodies with an
     * error. */
    if (server->workers)
        http_workers_drain(server->workers);
    http_live_list_cancel_all(&server->lives);
    MHD_stop_daemon(server->daemon);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);

    pthread_mutex_lock(&server->conn_mu);
    server->stopping = true;
    pthread_cond_signal(&server->watchdog_cv);
    pthread_mutex_unlock(&server->conn_mu);
    pthread_join(server->watchdog, NULL);
    http_sender_stop(server->sender); /* closes the streams still being sent */

    pthread_cond_destroy(&server->watchdog_cv);
    pthread_mutex_destroy(&server->conn_mu);
    http_shared_destroy(&server->shared);
    http_live_list_destroy(&server->lives);
    http_workers_free(server->workers);
    http_gzip_free(server->gzip);
    free(server);
}
