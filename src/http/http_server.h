/*
 * http_server.h - the HTTP/1.1 server on libmicrohttpd.
 *
 * epoll with an internal thread pool; per-IP and total connection limits; an inactivity
 * timeout plus our own deadline for a request's head to arrive whole (slow-loris); limits on
 * URL, headers and body from core/limits.h; requests with both Transfer-Encoding and
 * Content-Length refused (400, close). Each request gets an arena, is routed, handled, and
 * logged in one access-log line when its response completes (method, path with credential
 * parameters redacted, status, bytes, duration). With workers, libmicrohttpd's threads only
 * read requests, answer what `quick` answers without blocking (kept pages) and send answers;
 * guards and handlers run on the worker threads (http_workers.h) while the connection is
 * suspended, so a slow handler never delays another connection's kept page. Start and stop
 * from one thread (app/).
 */
#ifndef SWAZ_HTTP_SERVER_H
#define SWAZ_HTTP_SERVER_H

#include "http/http_router.h"

#include <stdint.h>

typedef struct HttpServerConfig {
    const char *address;         /* IPv4 or IPv6 literal to bind, e.g. "127.0.0.1" */
    uint16_t port;               /* 0: an ephemeral port (see http_server_port()) */
    unsigned threads;            /* libmicrohttpd's event threads, 1..LIMIT_THREADS_MAX (0: 1) */
    unsigned workers;            /* threads running guards and handlers, 0..LIMIT_THREADS_MAX
                                    (0: they run on the event threads) */
    unsigned max_connections;    /* total, <= LIMIT_CONN_TOTAL_MAX (0: that maximum) */
    unsigned per_ip_connections; /* concurrent connections from one address
                                    (0: LIMIT_CONN_PER_IP_DEFAULT) */
    unsigned timeout_s;          /* inactivity timeout (0: LIMIT_CONN_TIMEOUT_S_DEFAULT) */
    unsigned header_deadline_s;  /* seconds for a request head to arrive whole, counted from
                                    the connection's start or its previous response
                                    (0: LIMIT_HTTP_HEADER_DEADLINE_S; tests shorten it) */
    uint64_t stream_min_bytes;   /* a file answer to a GET at least this long is sent by the
                                    stream sender, off libmicrohttpd, then the connection
                                    closes (0: HTTP_SENDER_MIN_BYTES_DEFAULT, 1 MiB) */
    const HttpRouter *router;    /* borrowed; outlives the server */
    void *app;                   /* handed to handlers as req->app */
    /* Writes the body of a status the server answers itself (400, 404, 405, 413, 414, 431,
     * 500 after a failed handler); NULL or a negative return: a plain-text body. */
    int (*error_page)(HttpRequest *req, HttpResponse *res, int status);
    /* Runs before every matched route's handler (e.g. authentication against route->access,
     * setting req->user). Returns 0 to go on to the handler, or 1 when it answered the
     * request itself (401, 403, 429...), or a negative error (500). NULL: no guard. */
    int (*guard)(HttpRequest *req, HttpResponse *res, const HttpRoute *route);
    /* Runs after a matched route's handler returned 0, before the answer is sent: it may read
     * the response (http_response_memory()) and change it. NULL: nothing. */
    void (*after)(HttpRequest *req, HttpResponse *res, const HttpRoute *route);
    /* With workers: runs on the event thread before a matched route's request is handed to a
     * worker, and must not block (no database, no file, no network). Returns 1 when it
     * answered (e.g. from kept pages, once a cached sign-in checked out), else 0 with `res`
     * untouched: the guard and the handler then run on a worker as usual; a negative error
     * answers 500. NULL: always 0. */
    int (*quick)(HttpRequest *req, HttpResponse *res, const HttpRoute *route);
    /* Called for a GET or HEAD whose path no route knows (no guard runs): returns 0 having
     * answered, -ENOENT for the usual 404, another negative error for a 500. NULL: 404. */
    HttpHandler fallback;
} HttpServerConfig;

typedef struct HttpServer HttpServer;

/* Binds and starts serving. Returns 0, -EADDRINUSE, -EINVAL or -ENOMEM.
 * Caller stops and frees with http_server_stop(). */
int http_server_start(const HttpServerConfig *cfg, HttpServer **ret_server);

/* Returns the bound TCP port. */
uint16_t http_server_port(const HttpServer *server);

/* Stops accepting, lets in-flight responses finish for up to `grace_ms`, cancels live
 * producers and suspended connections, then stops the threads and frees the server.
 * NULL is a no-op. */
void http_server_stop(HttpServer *server, unsigned grace_ms);

#endif
