/*
 * test_http_server.c - the real server on 127.0.0.1 (ephemeral port) driven over raw
 * sockets: bodies from memory, files and live producers; limits; deadline; stop; log. Every
 * test runs twice: handlers on the event threads, then on workers (HttpServerConfig.workers).
 */
#include "core/err.h"
#include "core/limits.h"
#include "http/http_file.h"
#include "http/http_live.h"
#include "http/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define FILE_SIZE 100000
/* More than loopback's kernel buffers can absorb (tcp_wmem max is 4 MiB here), so the
 * producer has to block while the client does not read. */
#define LIVE_TOTAL    (8 * 1024 * 1024)
#define LIVE_CAPACITY (64 * 1024)
#define LIVE_CHUNK    4096

static char file_path[64];
static char big_path[64]; /* test_file_shared: larger than the socket buffers */
#define BIG_SIZE (16 * 1024 * 1024)

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static unsigned char file_byte(size_t i)
{
    return (unsigned char)((i * 7 + 3) % 256);
}

static unsigned char live_byte(size_t i)
{
    return (unsigned char)(i % 251);
}

/* ---- live producer shared with the test body ---- */

typedef enum { PROD_BULK, PROD_FOREVER, PROD_SLOW, PROD_STUCK } ProdMode;

typedef struct Producer {
    pthread_t thread;
    bool started;
    ProdMode mode;
    HttpLive *live;
    atomic_size_t written;
    atomic_int rc; /* result of the failing write, or 0 */
    atomic_bool done;
    atomic_llong epipe_ms;
} Producer;

static Producer prod;

static void *producer_main(void *arg)
{
    Producer *p = arg;
    unsigned char chunk[LIVE_CHUNK];
    size_t pos = 0;
    int rc = 0;
    switch (p->mode) {
    case PROD_BULK:
        while (pos < LIVE_TOTAL && rc == 0) {
            for (size_t i = 0; i < sizeof(chunk); i++)
                chunk[i] = live_byte(pos + i);
            rc = http_live_write(p->live, chunk, sizeof(chunk));
            if (rc == 0)
                pos += sizeof(chunk);
            atomic_store(&p->written, pos);
        }
        break;
    case PROD_FOREVER:
        memset(chunk, 'f', sizeof(chunk));
        while (rc == 0) {
            rc = http_live_write(p->live, chunk, sizeof(chunk));
            if (rc == 0)
                atomic_fetch_add(&p->written, sizeof(chunk));
        }
        break;
    case PROD_SLOW:
        memset(chunk, 's', 100);
        for (int i = 0; i < 10 && rc == 0; i++) {
            sleep_ms(30);
            rc = http_live_write(p->live, chunk, 100);
        }
        break;
    case PROD_STUCK:
        rc = http_live_write(p->live, "0123456789", 10);
        for (int i = 0; i < 1000 && rc == 0 && !http_live_cancelled(p->live); i++)
            sleep_ms(10);
        if (rc == 0)
            rc = http_live_write(p->live, "x", 1);
        break;
    }
    if (rc < 0)
        atomic_store(&p->epipe_ms, now_ms());
    atomic_store(&p->rc, rc);
    http_live_finish(p->live, rc);
    http_live_unref(p->live);
    atomic_store(&p->done, true);
    return NULL;
}

static void producer_join(void)
{
    if (prod.started)
        pthread_join(prod.thread, NULL);
    prod.started = false;
}

/* ---- handlers ---- */

static int h_hello(HttpRequest *req, HttpResponse *res)
{
    (void)req;
    return http_response_body(res, "text/plain", "hello world\n", 12);
}

/* test_workers: /block waits until the test opens the gate; the quick hook answers /quick on
 * the event thread. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open = true;
static atomic_int blocked;

static int h_block(HttpRequest *req, HttpResponse *res)
{
    (void)req;
    atomic_fetch_add(&blocked, 1);
    pthread_mutex_lock(&gate_mu);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    return http_response_body(res, "text/plain", "unblocked\n", 10);
}

static void gate_set(bool open)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = open;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

static int quick_answer(HttpRequest *req, HttpResponse *res, const HttpRoute *route)
{
    (void)route;
    if (strcmp(req->path, "/quick") != 0)
        return 0;
    return http_response_body(res, "text/plain", "quick\n", 6) < 0 ? -ENOMEM : 1;
}

static int h_file(HttpRequest *req, HttpResponse *res)
{
    int fd = open(file_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    return http_file_respond(req, res, fd, "application/octet-stream", "max-age=60");
}

static int h_big(HttpRequest *req, HttpResponse *res)
{
    int fd = open(big_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    return http_file_respond(req, res, fd, "application/octet-stream", "max-age=60");
}

static int h_query(HttpRequest *req, HttpResponse *res)
{
    char *out = arena_alloc(req->arena, 4096);
    size_t o = 0;
    for (size_t i = 0; i < req->query.count; i++)
        o += (size_t)snprintf(out + o, 4096 - o, "%s=%s\n", req->query.items[i].key,
                              req->query.items[i].value);
    return http_response_body(res, "text/plain", out, o);
}

static int h_echo(HttpRequest *req, HttpResponse *res)
{
    if (!req->body || req->body[req->body_len] != '\0')
        return -EINVAL;
    char *out = arena_printf(req->arena, "%zu:%s", req->body_len, req->body);
    http_response_status(res, 201);
    http_response_header(res, "X-Test", "yes");
    if (http_response_header(res, "X-Bad", "a\r\nb") != -EINVAL)
        return -EPROTO; /* no cmocka assert on a server thread */
    return http_response_body(res, "text/plain", out, strlen(out));
}

static int h_fail(HttpRequest *req, HttpResponse *res)
{
    (void)req;
    http_response_body(res, "text/plain", "partial", 7);
    return -EIO;
}

static int h_param(HttpRequest *req, HttpResponse *res)
{
    char *out = arena_printf(req->arena, "id=%s n=%d", req->params[0], req->n_params);
    return http_response_body(res, "text/plain", out, strlen(out));
}

static int h_live(HttpRequest *req, HttpResponse *res)
{
    const char *mode = http_request_query(req, "mode");
    prod.mode = PROD_BULK;
    if (mode && strcmp(mode, "forever") == 0)
        prod.mode = PROD_FOREVER;
    else if (mode && strcmp(mode, "slow") == 0)
        prod.mode = PROD_SLOW;
    else if (mode && strcmp(mode, "stuck") == 0)
        prod.mode = PROD_STUCK;
    atomic_store(&prod.written, 0);
    atomic_store(&prod.rc, 1);
    atomic_store(&prod.done, false);
    atomic_store(&prod.epipe_ms, 0);
    prod.live = http_live_new(LIVE_CAPACITY);
    if (!prod.live)
        return -ENOMEM;
    const char *length = http_request_query(req, "length");
    if (length)
        http_live_set_length(prod.live, strtoull(length, NULL, 10));
    int rc = http_response_live(res, "application/octet-stream", prod.live);
    if (rc < 0)
        return rc;
    prod.started = pthread_create(&prod.thread, NULL, producer_main, &prod) == 0;
    return prod.started ? 0 : -EAGAIN;
}

static int h_live_fail(HttpRequest *req, HttpResponse *res)
{
    int rc = h_live(req, res);
    return rc < 0 ? rc : -EIO; /* the body is dropped: its producer must be told */
}

static int not_found_json(HttpRequest *req, HttpResponse *res, int status)
{
    char *body = arena_printf(req->arena, "{\"status\":%d}", status);
    return http_response_body(res, "application/json", body, strlen(body));
}

/* ---- a streamed multipart body (HttpBodySink) ---- */

typedef struct SinkState {
    int parts;
    size_t bytes;
    char first[32];
} SinkState;

static atomic_int sink_ends;    /* end calls */
static atomic_int sink_handled; /* end calls after the handler ran */

static int sink_begin(HttpRequest *req, HttpResponse *res)
{
    if (http_request_header(req, "X-Refuse")) {
        http_response_status(res, 403);
        return 1;
    }
    req->body_state = arena_calloc(req->arena, 1, sizeof(SinkState));
    return req->body_state ? 0 : -ENOMEM;
}

static int sink_data(HttpRequest *req, HttpResponse *res, const HttpFormPart *part, uint64_t offset,
                     const char *data, size_t len)
{
    SinkState *st = req->body_state;
    (void)data;
    if (strcmp(part->name, "fail") == 0) {
        http_response_status(res, 422);
        http_response_body(res, "text/plain", "refused", 7);
        return -EINVAL;
    }
    if (offset == 0 && st->parts++ == 0)
        snprintf(st->first, sizeof(st->first), "%s/%s", part->name,
                 part->filename ? part->filename : "-");
    st->bytes += len;
    return 0;
}

static void sink_end(HttpRequest *req, bool handled)
{
    (void)req;
    atomic_fetch_add(&sink_ends, 1);
    if (handled)
        atomic_fetch_add(&sink_handled, 1);
}

static const HttpBodySink test_sink = {sink_begin, sink_data, sink_end};

static int h_stream(HttpRequest *req, HttpResponse *res)
{
    const SinkState *st = req->body_state;
    if (req->body)
        return -EPROTO; /* a streamed body is never buffered */
    char *out =
        arena_printf(req->arena, "parts=%d bytes=%zu first=%s", st->parts, st->bytes, st->first);
    return http_response_body(res, "text/plain", out, strlen(out));
}

#define STREAM_MAX  (256 * 1024)
#define STREAM_FILE (200 * 1024)
#define SMALL_MAX   10

static const HttpRouteBody test_bodies[] = {
    {"POST", "/stream", STREAM_MAX, &test_sink},
    {"PUT", "/echo", SMALL_MAX, NULL},
};

static const HttpRoute test_routes[] = {
    {"GET", "/hello", h_hello, 0},
    {"GET", "/file", h_file, 0},
    {"GET", "/query", h_query, 0},
    {"POST", "/echo", h_echo, 0},
    {"PUT", "/echo", h_echo, 0},
    {"GET", "/fail", h_fail, 0},
    {"GET", "/live", h_live, 0},
    {"GET", "/item/{id}", h_param, 0},
    {"GET", "/live-fail", h_live_fail, 0},
    {"POST", "/stream", h_stream, 0},
    {"GET", "/big", h_big, 0},
    {"GET", "/block", h_block, 0},
    {"GET", "/quick", h_hello, 0},
};

/* ---- server fixture ---- */

typedef struct Fixture {
    HttpRouter *router;
    HttpServer *server;
    uint16_t port;
} Fixture;

static unsigned fixture_per_ip = 50; /* test_stream_limits lowers it */
static unsigned fixture_workers;     /* 0 for the first run of the suite, then 2 */

static Fixture *fixture_new_threads(unsigned deadline_s, bool with_not_found, unsigned threads)
{
    Fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(
        http_router_new(test_routes, sizeof(test_routes) / sizeof(test_routes[0]), &f->router), 0);
    assert_int_equal(http_router_set_bodies(f->router, test_bodies,
                                            sizeof(test_bodies) / sizeof(test_bodies[0])),
                     0);
    HttpServerConfig cfg = {
        .address = "127.0.0.1",
        .port = 0,
        .threads = threads,
        .workers = fixture_workers,
        .quick = quick_answer,
        .max_connections = 100,
        .per_ip_connections = fixture_per_ip,
        .timeout_s = 30,
        .header_deadline_s = deadline_s,
        .router = f->router,
        .error_page = with_not_found ? not_found_json : NULL,
    };
    assert_int_equal(http_server_start(&cfg, &f->server), 0);
    f->port = http_server_port(f->server);
    assert_true(f->port > 0);
    return f;
}

static Fixture *fixture_new(unsigned deadline_s, bool with_not_found)
{
    return fixture_new_threads(deadline_s, with_not_found, 2);
}

static void fixture_free(Fixture *f, unsigned grace_ms)
{
    http_server_stop(f->server, grace_ms);
    producer_join();
    http_router_free(f->router);
    free(f);
}

static int setup(void **state)
{
    *state = fixture_new(0, false);
    return 0;
}

static int teardown(void **state)
{
    fixture_free(*state, 1000);
    return 0;
}

/* ---- raw client ---- */

typedef struct Client {
    int fd;
    char buf[65536];
    size_t len;
    size_t pos;
} Client;

typedef struct Resp {
    int status;
    int n_headers;
    char names[64][64];
    char values[64][1024];
    char *body;
    size_t body_len;
    bool complete; /* body framing ended properly */
} Resp;

static Client *client_open(uint16_t port, int rcvbuf)
{
    Client *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(c->fd >= 0);
    if (rcvbuf > 0)
        setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    struct timeval tv = {10, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    return c;
}

static void client_close(Client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

static void client_send(Client *c, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        assert_true(n > 0);
        p += n;
        len -= (size_t)n;
    }
}

static void client_send_str(Client *c, const char *s)
{
    client_send(c, s, strlen(s));
}

static int client_more(Client *c)
{
    if (c->pos > 0) {
        memmove(c->buf, c->buf + c->pos, c->len - c->pos);
        c->len -= c->pos;
        c->pos = 0;
    }
    if (c->len == sizeof(c->buf))
        return -1;
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
    if (n <= 0)
        return -1;
    c->len += (size_t)n;
    return 0;
}

static int client_line(Client *c, char *out, size_t cap)
{
    for (;;) {
        char *nl = memmem(c->buf + c->pos, c->len - c->pos, "\r\n", 2);
        if (nl) {
            size_t n = (size_t)(nl - (c->buf + c->pos));
            if (n >= cap)
                return -1;
            memcpy(out, c->buf + c->pos, n);
            out[n] = '\0';
            c->pos += n + 2;
            return 0;
        }
        if (client_more(c) < 0)
            return -1;
    }
}

static int client_read(Client *c, void *out, size_t n)
{
    char *p = out;
    while (n > 0) {
        if (c->pos == c->len && client_more(c) < 0)
            return -1;
        size_t k = c->len - c->pos < n ? c->len - c->pos : n;
        memcpy(p, c->buf + c->pos, k);
        c->pos += k;
        p += k;
        n -= k;
    }
    return 0;
}

static const char *resp_header(const Resp *r, const char *name)
{
    for (int i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->names[i], name) == 0)
            return r->values[i];
    return NULL;
}

static void body_append(Resp *r, const char *data, size_t n, size_t *cap)
{
    if (r->body_len + n + 1 > *cap) {
        while (r->body_len + n + 1 > *cap)
            *cap = *cap ? *cap * 2 : 4096;
        r->body = realloc(r->body, *cap);
        assert_non_null(r->body);
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
}

/* Reads the status line and headers only. 0 or -1. */
static int client_read_head(Client *c, Resp *r)
{
    char line[2048];
    memset(r, 0, sizeof(*r));
    if (client_line(c, line, sizeof(line)) < 0)
        return -1;
    if (sscanf(line, "HTTP/1.%*d %d", &r->status) != 1)
        return -1;
    for (;;) {
        if (client_line(c, line, sizeof(line)) < 0)
            return -1;
        if (line[0] == '\0')
            return 0;
        char *colon = strchr(line, ':');
        if (!colon || r->n_headers >= 64)
            return -1;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ')
            v++;
        snprintf(r->names[r->n_headers], sizeof(r->names[0]), "%.63s", line);
        snprintf(r->values[r->n_headers], sizeof(r->values[0]), "%.1023s", v);
        r->n_headers++;
    }
}

/* Reads the body after client_read_head. Sets r->complete when its framing ended. */
static void client_read_body(Client *c, Resp *r, bool head)
{
    size_t cap = 0;
    body_append(r, "", 0, &cap);
    const char *te = resp_header(r, "Transfer-Encoding");
    const char *cl = resp_header(r, "Content-Length");
    if (head || r->status == 304 || r->status == 204) {
        r->complete = true;
    } else if (te && strcasecmp(te, "chunked") == 0) {
        char line[256];
        for (;;) {
            if (client_line(c, line, sizeof(line)) < 0)
                return;
            size_t n = strtoul(line, NULL, 16);
            if (n == 0) {
                while (client_line(c, line, sizeof(line)) == 0 && line[0] != '\0') {
                }
                r->complete = true;
                return;
            }
            char *tmp = malloc(n);
            int rc = client_read(c, tmp, n);
            if (rc == 0)
                body_append(r, tmp, n, &cap);
            free(tmp);
            if (rc < 0 || client_line(c, line, sizeof(line)) < 0)
                return;
        }
    } else if (cl) {
        size_t n = strtoul(cl, NULL, 10);
        char *tmp = malloc(n + 1);
        if (client_read(c, tmp, n) == 0) {
            body_append(r, tmp, n, &cap);
            r->complete = true;
        }
        free(tmp);
    } else {
        char tmp[4096];
        for (;;) {
            if (c->pos == c->len && client_more(c) < 0)
                break;
            size_t k = c->len - c->pos < sizeof(tmp) ? c->len - c->pos : sizeof(tmp);
            client_read(c, tmp, k);
            body_append(r, tmp, k, &cap);
        }
        r->complete = true;
    }
}

static void client_response(Client *c, Resp *r, bool head)
{
    assert_int_equal(client_read_head(c, r), 0);
    client_read_body(c, r, head);
}

static void resp_free(Resp *r)
{
    free(r->body);
    r->body = NULL;
}

/* How long a test waits for something the server is expected to do soon (close a
 * connection, release descriptors). Only a failing test waits that long; it is generous
 * because the suite runs beside other tests, under ASan, on 2 shared cores. */
#define SETTLE_MS 10000

/* True when the server has closed the connection (EOF or reset) within `ms`. */
static bool client_closed_within(Client *c, int ms)
{
    int64_t end = now_ms() + ms;
    char tmp[4096];
    while (now_ms() < end) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        if (poll(&pfd, 1, 50) <= 0)
            continue;
        ssize_t n = recv(c->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            return true;
    }
    return false;
}

/* One request on a fresh connection. */
static void exchange(uint16_t port, const char *request, Resp *r)
{
    Client *c = client_open(port, 0);
    client_send_str(c, request);
    client_response(c, r, strncmp(request, "HEAD ", 5) == 0);
    client_close(c);
}

/* ---- tests ---- */

static void test_memory_body_keep_alive(void **state)
{
    Fixture *f = *state;
    Client *c = client_open(f->port, 0);
    Resp r;
    for (int i = 0; i < 3; i++) {
        client_send_str(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        client_response(c, &r, false);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "hello world\n");
        assert_string_equal(resp_header(&r, "Content-Length"), "12");
        assert_string_equal(resp_header(&r, "Content-Type"), "text/plain");
        assert_string_equal(resp_header(&r, "X-Content-Type-Options"), "nosniff");
        assert_non_null(resp_header(&r, "Date"));
        const char *conn = resp_header(&r, "Connection");
        assert_true(conn == NULL || strcasecmp(conn, "close") != 0);
        resp_free(&r);
    }
    /* pipelined: two requests in one write */
    client_send_str(
        c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /item/7 HTTP/1.1\r\nHost: x\r\n\r\n");
    client_response(c, &r, false);
    assert_string_equal(r.body, "hello world\n");
    resp_free(&r);
    client_response(c, &r, false);
    assert_string_equal(r.body, "id=7 n=1");
    resp_free(&r);
    client_close(c);
}

static void test_head(void **state)
{
    Fixture *f = *state;
    Client *c = client_open(f->port, 0);
    Resp r;
    client_send_str(c, "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    client_response(c, &r, true);
    assert_int_equal(r.status, 200);
    assert_string_equal(resp_header(&r, "Content-Length"), "12");
    resp_free(&r);
    client_send_str(c, "HEAD /file HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n");
    client_response(c, &r, true);
    assert_int_equal(r.status, 200); /* Range applies to GET only */
    assert_string_equal(resp_header(&r, "Content-Length"), "100000");
    assert_string_equal(resp_header(&r, "Accept-Ranges"), "bytes");
    resp_free(&r);
    /* no body bytes were sent: the next response starts right away */
    client_send_str(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    client_response(c, &r, false);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello world\n");
    resp_free(&r);
    client_close(c);
}

static void test_file_range(void **state)
{
    Fixture *f = *state;
    Resp r;
    exchange(f->port, "GET /file HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, FILE_SIZE);
    for (size_t i = 0; i < FILE_SIZE; i++)
        if ((unsigned char)r.body[i] != file_byte(i))
            fail_msg("byte %zu differs", i);
    char etag[128];
    snprintf(etag, sizeof(etag), "%s", resp_header(&r, "ETag"));
    assert_int_equal(etag[0], '"');
    char last_modified[64];
    snprintf(last_modified, sizeof(last_modified), "%s", resp_header(&r, "Last-Modified"));
    assert_int_equal(strlen(last_modified), 29);
    assert_string_equal(last_modified + 25, " GMT");
    assert_string_equal(resp_header(&r, "Cache-Control"), "max-age=60");
    resp_free(&r);

    exchange(f->port, "GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=100-199\r\n\r\n", &r);
    assert_int_equal(r.status, 206);
    assert_string_equal(resp_header(&r, "Content-Range"), "bytes 100-199/100000");
    assert_int_equal(r.body_len, 100);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal((unsigned char)r.body[i], file_byte(100 + i));
    resp_free(&r);

    exchange(f->port, "GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=-10\r\n\r\n", &r);
    assert_int_equal(r.status, 206);
    assert_string_equal(resp_header(&r, "Content-Range"), "bytes 99990-99999/100000");
    assert_int_equal(r.body_len, 10);
    assert_int_equal((unsigned char)r.body[9], file_byte(99999));
    resp_free(&r);

    exchange(f->port, "GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=100000-\r\n\r\n", &r);
    assert_int_equal(r.status, 416);
    assert_string_equal(resp_header(&r, "Content-Range"), "bytes */100000");
    assert_int_equal(r.body_len, 0);
    resp_free(&r);

    exchange(f->port, "GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1,5-6\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, FILE_SIZE);
    resp_free(&r);

    char req[512];
    snprintf(req, sizeof(req), "GET /file HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"zz\", %s\r\n\r\n",
             etag);
    exchange(f->port, req, &r);
    assert_int_equal(r.status, 304);
    assert_string_equal(resp_header(&r, "ETag"), etag);
    resp_free(&r);

    exchange(f->port, "GET /file HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\r\n", &r);
    assert_int_equal(r.status, 304);
    resp_free(&r);

    snprintf(req, sizeof(req), "GET /file HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: %s\r\n\r\n",
             last_modified);
    exchange(f->port, req, &r);
    assert_int_equal(r.status, 304);
    resp_free(&r);

    /* If-Range: the current ETag keeps the range, another one means the whole file */
    snprintf(req, sizeof(req),
             "GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\nIf-Range: %s\r\n\r\n", etag);
    exchange(f->port, req, &r);
    assert_int_equal(r.status, 206);
    resp_free(&r);
    exchange(f->port,
             "GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\nIf-Range: \"old\"\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, FILE_SIZE);
    resp_free(&r);
    snprintf(req, sizeof(req),
             "GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\nIf-Range: %s\r\n\r\n",
             last_modified);
    exchange(f->port, req, &r);
    assert_int_equal(r.status, 206);
    resp_free(&r);
    exchange(f->port,
             "GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n"
             "If-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n",
             &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

static void test_not_found_and_method(void **state)
{
    Fixture *f = *state;
    Resp r;
    exchange(f->port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
    resp_free(&r);
    exchange(f->port, "DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(resp_header(&r, "Allow"), "GET, HEAD");
    resp_free(&r);
    exchange(f->port, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(resp_header(&r, "Allow"), "POST, PUT");
    resp_free(&r);
    exchange(f->port, "GET /hello/ HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
    resp_free(&r);
    exchange(f->port, "GET /fail HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 500);
    assert_string_equal(r.body, "500 Internal Server Error\n");
    resp_free(&r);
    /* a percent-encoded path arrives decoded */
    exchange(f->port, "GET /item/a%20b HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "id=a b n=1");
    resp_free(&r);
}

static void test_not_found_hook(void **state)
{
    (void)state;
    Fixture *f = fixture_new(0, true);
    Resp r;
    exchange(f->port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "{\"status\":404}");
    assert_string_equal(resp_header(&r, "Content-Type"), "application/json");
    resp_free(&r);
    exchange(f->port, "PATCH /hello HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.body, "{\"status\":405}");
    assert_string_equal(resp_header(&r, "Allow"), "GET, HEAD");
    resp_free(&r);
    fixture_free(f, 1000);
}

static void test_query(void **state)
{
    Fixture *f = *state;
    Resp r;
    exchange(f->port, "GET /query?id=1&id=2&name=a%20b+c&&flag HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "id=1\nid=2\nname=a b c\nflag=\n");
    resp_free(&r);
    exchange(f->port, "GET /query?a=%zz HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);
    exchange(f->port, "GET /query?a=%00 HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);
    char req[2048];
    size_t o = (size_t)snprintf(req, sizeof(req), "GET /query?");
    for (int i = 0; i <= LIMIT_HTTP_QUERY_PARAMS; i++)
        o += (size_t)snprintf(req + o, sizeof(req) - o, "k=%d&", i);
    snprintf(req + o, sizeof(req) - o, " HTTP/1.1\r\nHost: x\r\n\r\n");
    exchange(f->port, req, &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);
}

static void test_limits(void **state)
{
    Fixture *f = *state;
    Resp r;
    /* 414: the target is over LIMIT_HTTP_URL_BYTES */
    size_t n = LIMIT_HTTP_URL_BYTES + 100;
    char *req = malloc(n + 256);
    size_t o = (size_t)snprintf(req, n + 256, "GET /hello?x=");
    memset(req + o, 'a', n);
    o += n;
    snprintf(req + o, n + 256 - o, " HTTP/1.1\r\nHost: x\r\n\r\n");
    exchange(f->port, req, &r);
    assert_int_equal(r.status, 414);
    resp_free(&r);
    free(req);

    /* 431: headers over LIMIT_HTTP_HEADER_BYTES (but inside libmicrohttpd's pool) */
    req = malloc(64 * 1024);
    o = (size_t)snprintf(req, 64 * 1024, "GET /hello HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 20; i++) {
        o += (size_t)snprintf(req + o, 64 * 1024 - o, "X-Filler-%d: ", i);
        memset(req + o, 'b', 1000);
        o += 1000;
        o += (size_t)snprintf(req + o, 64 * 1024 - o, "\r\n");
    }
    snprintf(req + o, 64 * 1024 - o, "\r\n");
    Client *c = client_open(f->port, 0);
    client_send_str(c, req);
    client_response(c, &r, false);
    assert_int_equal(r.status, 431);
    resp_free(&r);
    assert_true(client_closed_within(c, SETTLE_MS));
    client_close(c);
    free(req);

    /* headers past libmicrohttpd's own per-connection pool: it answers by itself */
    req = malloc(128 * 1024);
    o = (size_t)snprintf(req, 128 * 1024, "GET /hello HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 80; i++) {
        o += (size_t)snprintf(req + o, 128 * 1024 - o, "X-Filler-%d: ", i);
        memset(req + o, 'b', 1000);
        o += 1000;
        o += (size_t)snprintf(req + o, 128 * 1024 - o, "\r\n");
    }
    snprintf(req + o, 128 * 1024 - o, "\r\n");
    c = client_open(f->port, 0);
    client_send(c, req, strlen(req));
    client_response(c, &r, false);
    assert_true(r.status == 431 || r.status == 413);
    resp_free(&r);
    assert_true(client_closed_within(c, SETTLE_MS));
    client_close(c);
    free(req);

    /* 413 from Content-Length, before any body byte */
    c = client_open(f->port, 0);
    client_send_str(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n");
    client_response(c, &r, false);
    assert_int_equal(r.status, 413);
    assert_string_equal(resp_header(&r, "Connection"), "close");
    resp_free(&r);
    assert_true(client_closed_within(c, SETTLE_MS));
    client_close(c);

    /* 413 for a chunked body that grows past the limit */
    c = client_open(f->port, 0);
    client_send_str(c, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    char *chunk = malloc(65536 + 16);
    o = (size_t)snprintf(chunk, 32, "10000\r\n");
    memset(chunk + o, 'c', 65536);
    memcpy(chunk + o + 65536, "\r\n", 2);
    for (int i = 0; i < 17; i++)
        client_send(c, chunk, o + 65536 + 2);
    client_send_str(c, "0\r\n\r\n");
    free(chunk);
    client_response(c, &r, false);
    assert_int_equal(r.status, 413);
    resp_free(&r);
    assert_true(client_closed_within(c, SETTLE_MS));
    client_close(c);

    /* 400 and close for Transfer-Encoding with Content-Length */
    c = client_open(f->port, 0);
    client_send_str(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    client_response(c, &r, false);
    assert_int_equal(r.status, 400);
    resp_free(&r);
    assert_true(client_closed_within(c, SETTLE_MS));
    client_close(c);
}

static void test_body(void **state)
{
    Fixture *f = *state;
    Resp r;
    Client *c = client_open(f->port, 0);
    client_send_str(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    client_response(c, &r, false);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "5:hello");
    assert_string_equal(resp_header(&r, "X-Test"), "yes");
    assert_null(resp_header(&r, "X-Bad"));
    resp_free(&r);
    /* chunked upload on the same connection */
    client_send_str(c, "PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    client_response(c, &r, false);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "5:abcde");
    resp_free(&r);
    /* an empty body */
    client_send_str(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    client_response(c, &r, false);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "0:");
    resp_free(&r);
    /* exactly the limit */
    size_t n = LIMIT_HTTP_BODY_BYTES;
    char *big = malloc(n);
    memset(big, 'z', n);
    char head[128];
    snprintf(head, sizeof(head), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
             n);
    client_send_str(c, head);
    client_send(c, big, n);
    client_response(c, &r, false);
    assert_int_equal(r.status, 201);
    assert_int_equal(r.body_len, n + 8);
    resp_free(&r);
    free(big);
    client_close(c);
}

/* Sends one multipart request to /stream: `n_file` bytes in a part "file", then a part
 * named `second`, with `extra` headers. */
static void stream_send(Client *c, const char *extra, size_t n_file, const char *second)
{
    static const char pre[] = "--BOUND\r\nContent-Disposition: form-data; name=\"file\"; "
                              "filename=\"a.bin\"\r\nContent-Type: image/png\r\n\r\n";
    char mid[256];
    snprintf(mid, sizeof(mid),
             "\r\n--BOUND\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\nvalue"
             "\r\n--BOUND--\r\n",
             second);
    size_t total = strlen(pre) + n_file + strlen(mid);
    char head[512];
    snprintf(head, sizeof(head),
             "POST /stream HTTP/1.1\r\nHost: x\r\n%sContent-Type: multipart/form-data; "
             "boundary=BOUND\r\nContent-Length: %zu\r\n\r\n",
             extra, total);
    client_send_str(c, head);
    client_send_str(c, pre);
    char *file = malloc(n_file);
    assert_non_null(file);
    memset(file, 'q', n_file);
    client_send(c, file, n_file);
    free(file);
    client_send_str(c, mid);
}

static void test_stream_body(void **state)
{
    Fixture *f = *state;
    atomic_store(&sink_ends, 0);
    atomic_store(&sink_handled, 0);
    Resp r;
    Client *c = client_open(f->port, 0);
    /* A body far larger than the parse buffer reaches the sink piece by piece; the
     * connection stays open afterwards. */
    stream_send(c, "", STREAM_FILE, "title");
    client_response(c, &r, false);
    assert_int_equal(r.status, 200);
    char want[96];
    snprintf(want, sizeof(want), "parts=2 bytes=%d first=file/a.bin", STREAM_FILE + 5);
    assert_string_equal(r.body, want);
    resp_free(&r);
    client_send_str(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    client_response(c, &r, false);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    client_close(c);

    /* The sink refuses a part: its answer is sent, the connection closed. */
    c = client_open(f->port, 0);
    stream_send(c, "", 1000, "fail");
    client_response(c, &r, false);
    assert_int_equal(r.status, 422);
    assert_string_equal(r.body, "refused");
    resp_free(&r);
    assert_true(client_closed_within(c, SETTLE_MS));
    client_close(c);

    /* begin refuses from the head (the body is never read). */
    exchange(f->port,
             "POST /stream HTTP/1.1\r\nHost: x\r\nX-Refuse: 1\r\nContent-Type: "
             "multipart/form-data; boundary=B\r\nContent-Length: 100\r\n\r\n",
             &r);
    assert_int_equal(r.status, 403);
    resp_free(&r);

    /* Past the route's limit, declared: 413 from the head. */
    char head[256];
    snprintf(head, sizeof(head),
             "POST /stream HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
             "boundary=B\r\nContent-Length: %d\r\n\r\n",
             STREAM_MAX + 1);
    exchange(f->port, head, &r);
    assert_int_equal(r.status, 413);
    resp_free(&r);

    /* Not multipart: 400. A truncated multipart body: 400. */
    r = (Resp){0};
    exchange(f->port,
             "POST /stream HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
             "Content-Length: 3\r\n\r\nabc",
             &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);
    exchange(f->port,
             "POST /stream HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
             "boundary=B\r\nContent-Length: 52\r\n\r\n--B\r\nContent-Disposition: "
             "form-data; name=\"x\"\r\n\r\nabc",
             &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);

    /* Another route's own smaller limit: 413 past it, buffered as usual below it. */
    exchange(f->port, "PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890", &r);
    assert_int_equal(r.status, 413);
    resp_free(&r);
    exchange(f->port, "PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789", &r);
    assert_int_equal(r.status, 201);
    resp_free(&r);

    /* end ran once for every accepted body (all but the refused and the 413), the handler
     * only for the good one. */
    for (int i = 0; i < 100 && atomic_load(&sink_ends) < 4; i++)
        sleep_ms(10);
    assert_int_equal(atomic_load(&sink_ends), 4);
    assert_int_equal(atomic_load(&sink_handled), 1);
}

static int open_fds_at_start;

static int count_open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            n++;
    return n;
}

/* Writes big_path (BIG_SIZE bytes of file_byte()); returns the same bytes (caller frees). */
static unsigned char *big_file_make(void)
{
    snprintf(big_path, sizeof(big_path), "/tmp/swaz-http-big-XXXXXX");
    int fd = mkstemp(big_path);
    assert_true(fd >= 0);
    unsigned char *data = malloc(BIG_SIZE);
    assert_non_null(data);
    for (size_t i = 0; i < BIG_SIZE; i++)
        data[i] = file_byte(i);
    assert_int_equal(write(fd, data, BIG_SIZE), BIG_SIZE);
    close(fd);
    return data;
}

/* Waits up to SETTLE_MS for `want` more descriptors than `before`; returns the last
 * difference. */
static int fds_settle(int before, int want)
{
    int64_t end = now_ms() + SETTLE_MS;
    int d;
    while ((d = count_open_fds() - before) != want && now_ms() < end)
        sleep_ms(10);
    return d;
}

/* Listeners of the same file share one descriptor while they stream (they are long file
 * answers, sent by the stream sender; libmicrohttpd's own descriptors close once it let go
 * of them). */
static void test_file_shared(void **state)
{
    Fixture *f = *state;
    unsigned char *data = big_file_make();
    int before = count_open_fds();
    enum { N = 3 };
    Client *c[N];
    Resp r[N];
    for (int i = 0; i < N; i++) {
        c[i] = client_open(f->port, 4096);
        client_send_str(c[i], "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_int_equal(client_read_head(c[i], &r[i]), 0);
        assert_int_equal(r[i].status, 200);
    }
    /* N client sockets, N server sockets, and one file descriptor for all of them. */
    assert_int_equal(fds_settle(before, 2 * N + 1), 2 * N + 1);
    for (int i = 0; i < N; i++) {
        assert_string_equal(resp_header(&r[i], "Connection"), "close");
        assert_string_equal(resp_header(&r[i], "X-Content-Type-Options"), "nosniff");
        assert_string_equal(resp_header(&r[i], "Cache-Control"), "max-age=60");
        assert_non_null(resp_header(&r[i], "Date"));
        client_read_body(c[i], &r[i], false);
        assert_int_equal(r[i].body_len, BIG_SIZE);
        assert_memory_equal(r[i].body, data, BIG_SIZE);
        assert_true(client_closed_within(c[i], SETTLE_MS)); /* closed after the last byte */
        resp_free(&r[i]);
        client_close(c[i]);
    }
    assert_int_equal(fds_settle(before, 0), 0);
    free(data);
    unlink(big_path);
}

/* A range of a long file goes through the sender too; HEAD stays with libmicrohttpd (and
 * keep-alive). */
static void test_file_stream_range(void **state)
{
    Fixture *f = *state;
    unsigned char *data = big_file_make();
    Resp r;
    exchange(f->port, "GET /big HTTP/1.1\r\nHost: x\r\nRange: bytes=5000000-7000000\r\n\r\n", &r);
    assert_int_equal(r.status, 206);
    char cr[64];
    snprintf(cr, sizeof(cr), "bytes 5000000-7000000/%d", BIG_SIZE);
    assert_string_equal(resp_header(&r, "Content-Range"), cr);
    assert_int_equal(r.body_len, 2000001);
    assert_memory_equal(r.body, data + 5000000, 2000001);
    assert_string_equal(resp_header(&r, "Connection"), "close");
    resp_free(&r);

    Client *c = client_open(f->port, 0);
    client_send_str(c, "HEAD /big HTTP/1.1\r\nHost: x\r\n\r\n");
    client_response(c, &r, true);
    assert_int_equal(r.status, 200);
    assert_int_equal(strtoul(resp_header(&r, "Content-Length"), NULL, 10), BIG_SIZE);
    assert_null(resp_header(&r, "Connection"));
    resp_free(&r);
    client_send_str(c, "GET /file HTTP/1.1\r\nHost: x\r\n\r\n"); /* same connection */
    client_response(c, &r, false);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, FILE_SIZE);
    resp_free(&r);
    client_close(c);
    free(data);
    unlink(big_path);
}

/* The per-IP limit counts the streams the sender took over: with a limit of 2, two paused
 * listeners leave no room for a third connection until one of them goes. */
static void test_stream_limits(void **state)
{
    (void)state;
    fixture_per_ip = 2;
    Fixture *f = fixture_new(0, false);
    fixture_per_ip = 50;
    unsigned char *data = big_file_make();
    Client *c[2];
    Resp r[2];
    for (int i = 0; i < 2; i++) {
        c[i] = client_open(f->port, 4096);
        client_send_str(c[i], "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_int_equal(client_read_head(c[i], &r[i]), 0);
        assert_int_equal(r[i].status, 200);
    }
    sleep_ms(100); /* libmicrohttpd lets go of the handed-over connections */
    Client *third = client_open(f->port, 0);
    client_send_str(third, "GET /file HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(client_closed_within(third, 2000));
    client_close(third);
    client_close(c[0]); /* the sender sees the reset on its next write and ends the stream */
    int64_t end = now_ms() + 3000;
    Resp ok = {0};
    while (now_ms() < end) {
        third = client_open(f->port, 0);
        client_send_str(third, "GET /file HTTP/1.1\r\nHost: x\r\n\r\n");
        bool got = client_read_head(third, &ok) == 0;
        client_close(third);
        if (got)
            break;
        sleep_ms(100);
    }
    assert_int_equal(ok.status, 200);
    resp_free(&ok);
    resp_free(&r[0]);
    resp_free(&r[1]);
    client_close(c[1]);
    fixture_free(f, 0);
    free(data);
    unlink(big_path);
}

static void test_live_bulk(void **state)
{
    Fixture *f = *state;
    Client *c = client_open(f->port, 8192);
    client_send_str(c, "GET /live HTTP/1.1\r\nHost: x\r\n\r\n");
    Resp r;
    assert_int_equal(client_read_head(c, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(resp_header(&r, "Transfer-Encoding"), "chunked");
    /* the client does not read: the producer must stall (blocked in http_live_write) */
    size_t w1 = 0;
    size_t w2 = 1;
    for (int i = 0; i < 40 && w1 != w2; i++) {
        w1 = atomic_load(&prod.written);
        sleep_ms(100);
        w2 = atomic_load(&prod.written);
    }
    fprintf(stderr, "live: producer stalled after %zu bytes\n", w2);
    assert_int_equal(w1, w2);
    assert_false(atomic_load(&prod.done));
    assert_true(w1 < LIVE_TOTAL);
    /* read slowly for a while (into the client's buffer), then at full speed */
    for (int i = 0; i < 10 && c->len < sizeof(c->buf); i++) {
        assert_int_equal(client_more(c), 0);
        sleep_ms(10);
    }
    client_read_body(c, &r, false);
    assert_true(r.complete);
    assert_int_equal(r.body_len, LIVE_TOTAL);
    for (size_t i = 0; i < LIVE_TOTAL; i++)
        if ((unsigned char)r.body[i] != live_byte(i))
            fail_msg("live byte %zu differs", i);
    resp_free(&r);
    producer_join();
    assert_int_equal(atomic_load(&prod.rc), 0);
    /* the connection is still usable */
    client_send_str(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    client_response(c, &r, false);
    assert_string_equal(r.body, "hello world\n");
    resp_free(&r);
    client_close(c);
}

static void test_live_slow_producer(void **state)
{
    Fixture *f = *state;
    Resp r;
    /* the reader waits (suspended) between the producer's writes */
    exchange(f->port, "GET /live?mode=slow HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_true(r.complete);
    assert_int_equal(r.body_len, 1000);
    resp_free(&r);
    producer_join();
    /* HEAD of a live body: no body, the producer is told to stop */
    exchange(f->port, "HEAD /live?mode=forever HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    producer_join();
    assert_int_equal(atomic_load(&prod.rc), -EPIPE);
    /* a handler that fails after attaching a live body: 500, and the producer stops */
    exchange(f->port, "GET /live-fail?mode=forever HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 500);
    resp_free(&r);
    producer_join();
    assert_int_equal(atomic_load(&prod.rc), -EPIPE);
}

static void test_live_declared_length(void **state)
{
    Fixture *f = *state;
    Resp r;
    /* the slow producer writes 1000 's' bytes: a longer declared length is padded with zeros */
    exchange(f->port, "GET /live?mode=slow&length=1500 HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_true(r.complete);
    assert_string_equal(resp_header(&r, "Content-Length"), "1500");
    assert_null(resp_header(&r, "Transfer-Encoding"));
    assert_int_equal(r.body_len, 1500);
    for (size_t i = 0; i < r.body_len; i++) {
        if ((unsigned char)r.body[i] != (i < 1000 ? 's' : 0))
            fail_msg("byte %zu is %d", i, r.body[i]);
    }
    resp_free(&r);
    producer_join();
    assert_int_equal(atomic_load(&prod.rc), 0);
    /* a shorter one is cut, and the producer is told to stop */
    exchange(f->port, "GET /live?mode=forever&length=700 HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_true(r.complete);
    assert_string_equal(resp_header(&r, "Content-Length"), "700");
    assert_int_equal(r.body_len, 700);
    resp_free(&r);
    producer_join();
    assert_int_equal(atomic_load(&prod.rc), -EPIPE);
}

static void test_live_cancel(void **state)
{
    Fixture *f = *state;
    Client *c = client_open(f->port, 0);
    client_send_str(c, "GET /live?mode=forever HTTP/1.1\r\nHost: x\r\n\r\n");
    Resp r;
    assert_int_equal(client_read_head(c, &r), 0);
    char tmp[1000];
    assert_int_equal(client_read(c, tmp, sizeof(tmp)), 0);
    sleep_ms(50);
    int64_t closed = now_ms();
    client_close(c);
    for (int i = 0; i < 300 && !atomic_load(&prod.done); i++)
        sleep_ms(10);
    assert_true(atomic_load(&prod.done));
    assert_int_equal(atomic_load(&prod.rc), -EPIPE);
    assert_true(atomic_load(&prod.epipe_ms) - closed < 2000);
    producer_join();
    resp_free(&r);
}

static void test_header_deadline(void **state)
{
    (void)state;
    Fixture *f = fixture_new_threads(1, false, 1); /* also covers a server without a pool */
    Client *c = client_open(f->port, 0);
    const char *drip = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    int64_t start = now_ms();
    bool closed = false;
    for (size_t i = 0; drip[i] && !closed; i++) {
        if (send(c->fd, drip + i, 1, MSG_NOSIGNAL) != 1)
            break;
        closed = client_closed_within(c, 150);
    }
    int64_t took = now_ms() - start;
    if (!closed)
        closed = client_closed_within(c, SETTLE_MS);
    assert_true(closed);
    assert_true(took >= 900);
    assert_true(took < 2500);
    client_close(c);

    /* an idle keep-alive connection gets the same deadline after its response */
    c = client_open(f->port, 0);
    Resp r;
    client_send_str(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    client_response(c, &r, false);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    assert_false(client_closed_within(c, 500));
    assert_true(client_closed_within(c, SETTLE_MS));
    client_close(c);

    /* a connection that sends its request in time is served */
    exchange(f->port, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    fixture_free(f, 1000);
}

typedef struct StopArg {
    HttpServer *server;
    unsigned grace_ms;
    int64_t took_ms;
} StopArg;

static void *stop_main(void *arg)
{
    StopArg *a = arg;
    int64_t t = now_ms();
    http_server_stop(a->server, a->grace_ms);
    a->took_ms = now_ms() - t;
    return NULL;
}

static void test_graceful_stop(void **state)
{
    (void)state;
    /* an in-flight slow response completes within the grace period */
    Fixture *f = fixture_new(0, false);
    Client *c = client_open(f->port, 0);
    client_send_str(c, "GET /live?mode=slow HTTP/1.1\r\nHost: x\r\n\r\n");
    Resp r;
    assert_int_equal(client_read_head(c, &r), 0);
    StopArg arg = {f->server, 5000, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, stop_main, &arg), 0);
    client_read_body(c, &r, false);
    assert_true(r.complete);
    assert_int_equal(r.body_len, 1000);
    resp_free(&r);
    pthread_join(t, NULL);
    assert_true(arg.took_ms < 3000);
    producer_join();
    /* the listener is gone */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(f->port)};
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    assert_int_not_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    close(fd);
    client_close(c);
    http_router_free(f->router);
    free(f);

    /* a producer that never finishes is cancelled once the grace period is over */
    f = fixture_new(0, false);
    c = client_open(f->port, 0);
    client_send_str(c, "GET /live?mode=stuck HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(client_read_head(c, &r), 0);
    sleep_ms(100); /* let the reader drain the 10 bytes and suspend */
    int64_t t0 = now_ms();
    http_server_stop(f->server, 200);
    int64_t took = now_ms() - t0;
    assert_true(took >= 190);
    assert_true(took < 2000);
    producer_join();
    assert_int_equal(atomic_load(&prod.rc), -EPIPE);
    client_read_body(c, &r, false);
    assert_false(r.complete); /* truncated chunked body */
    resp_free(&r);
    client_close(c);
    http_router_free(f->router);
    free(f);
}

static void test_access_log_redaction(void **state)
{
    Fixture *f = *state;
    char path[] = "/tmp/swaz-http-log-XXXXXX";
    int log_fd = mkstemp(path);
    assert_true(log_fd >= 0);
    unlink(path);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(log_fd, STDERR_FILENO) >= 0);

    Resp r;
    exchange(f->port,
             "GET /hello?u=bob&p=secret1&T=secret2&APIKEY=secret3&x=1&%70=secret4&password"
             "=secret5&token=secret6&jwt=secret7&refresh=secret8&s=secret9 HTTP/1.1\r\n"
             "Host: x\r\n\r\n",
             &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    /* A file body: the request's arena is gone long before its line is written. */
    exchange(f->port, "GET /file?token=secret10&a=%41 HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    char text[8192] = "";
    for (int i = 0; i < 200; i++) {
        ssize_t n = pread(log_fd, text, sizeof(text) - 1, 0);
        text[n > 0 ? n : 0] = '\0';
        if (strstr(text, "GET /file"))
            break;
        sleep_ms(10);
    }
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(log_fd);
    fprintf(stderr, "captured: %s", text);
    assert_non_null(strstr(text, "ACCESS 127.0.0.1 GET /hello?u=bob&p=***&T=***&APIKEY=***&x=1&"
                                 "%70=***&password=***&token=***&jwt=***&refresh=***&s=*** "
                                 "200 12 "));
    assert_non_null(strstr(text, "ACCESS 127.0.0.1 GET /file?token=***&a=%41 200 100000 "));
    assert_null(strstr(text, "secret"));
}

static int suite_setup(void **state)
{
    (void)state;
    open_fds_at_start = count_open_fds();
    signal(SIGPIPE, SIG_IGN);
    snprintf(file_path, sizeof(file_path), "/tmp/swaz-http-test-XXXXXX");
    int fd = mkstemp(file_path);
    assert_true(fd >= 0);
    unsigned char *data = malloc(FILE_SIZE);
    for (size_t i = 0; i < FILE_SIZE; i++)
        data[i] = file_byte(i);
    assert_int_equal(write(fd, data, FILE_SIZE), FILE_SIZE);
    free(data);
    close(fd);
    return 0;
}

static int suite_teardown(void **state)
{
    (void)state;
    unlink(file_path);
    /* every server is stopped: no descriptor may be left (fd bodies, HEAD, 304, 416) */
    int n = count_open_fds();
    if (n != open_fds_at_start) {
        fprintf(stderr, "descriptors leaked: %d open, %d at start\n", n, open_fds_at_start);
        return -1;
    }
    return 0;
}

/* With workers, a request whose handler blocks holds a worker, not an event thread: a quick
 * answer on another connection comes at once, and requests beyond the workers wait in order
 * until one is free. Without workers, /quick goes through its handler like any route. */
static void test_workers(void **state)
{
    (void)state;
    Fixture *f = fixture_new_threads(0, false, 1);
    Resp r;
    if (fixture_workers == 0) { /* the quick hook is not used: the handler answers */
        Client *c = client_open(f->port, 0);
        client_send_str(c, "GET /quick HTTP/1.1\r\nHost: x\r\n\r\n");
        client_response(c, &r, false);
        assert_int_equal(r.status, 200);
        assert_memory_equal(r.body, "hello world\n", 12);
        resp_free(&r);
        client_close(c);
        fixture_free(f, 1000);
        return;
    }
    gate_set(false);
    atomic_store(&blocked, 0);
    Client *held[2];
    for (int i = 0; i < 2; i++) { /* both workers blocked */
        held[i] = client_open(f->port, 0);
        client_send_str(held[i], "GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    for (int i = 0; i < 200 && atomic_load(&blocked) < 2; i++)
        sleep_ms(10);
    assert_int_equal(atomic_load(&blocked), 2);
    Client *waiting = client_open(f->port, 0); /* queued behind them */
    client_send_str(waiting, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    int64_t t0 = now_ms();
    Client *q = client_open(f->port, 0);
    client_send_str(q, "GET /quick HTTP/1.1\r\nHost: x\r\n\r\n");
    client_response(q, &r, false);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, "quick\n", 6); /* the hook's, not the handler's */
    resp_free(&r);
    assert_true(now_ms() - t0 < 2000);
    struct pollfd pfd = {.fd = waiting->fd, .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 200), 0); /* no worker free: no answer yet */
    gate_set(true);
    for (int i = 0; i < 2; i++) {
        client_response(held[i], &r, false);
        assert_int_equal(r.status, 200);
        assert_memory_equal(r.body, "unblocked\n", 10);
        resp_free(&r);
        client_close(held[i]);
    }
    client_response(waiting, &r, false);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    client_close(waiting);
    client_close(q);
    fixture_free(f, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_memory_body_keep_alive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found_and_method, setup, teardown),
        cmocka_unit_test(test_not_found_hook),
        cmocka_unit_test_setup_teardown(test_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_shared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_stream_range, setup, teardown),
        cmocka_unit_test(test_stream_limits),
        cmocka_unit_test_setup_teardown(test_live_bulk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_slow_producer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_declared_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_cancel, setup, teardown),
        cmocka_unit_test(test_header_deadline),
        cmocka_unit_test(test_graceful_stop),
        cmocka_unit_test_setup_teardown(test_access_log_redaction, setup, teardown),
        cmocka_unit_test(test_workers),
    };
    fixture_workers = 0;
    int failed = cmocka_run_group_tests_name("handlers on the event threads", tests, suite_setup,
                                             suite_teardown);
    fixture_workers = 2;
    failed +=
        cmocka_run_group_tests_name("handlers on workers", tests, suite_setup, suite_teardown);
    return failed;
}
