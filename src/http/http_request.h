/*
 * http_request.h - what a handler sees of a request, and how it answers.
 *
 * The server builds one HttpRequest per request, with an arena freed when the response has
 * been sent; every string here is Arena-owned or borrowed until then. A handler runs on
 * one of the server's threads and describes its answer on the HttpResponse: a status,
 * headers, and one body kind - bytes in memory, a file descriptor (sent with sendfile), or a
 * live producer (HttpLive). Nothing here exposes libmicrohttpd.
 */
#ifndef SWAZ_HTTP_REQUEST_H
#define SWAZ_HTTP_REQUEST_H

#include "core/arena.h"
#include "core/limits.h"
#include "http/http_query.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct HttpLive HttpLive;
typedef struct HttpResponse HttpResponse;

typedef struct HttpRequest {
    Arena *arena;                                /* freed when the response completes */
    const char *method;                          /* "GET", "HEAD", "POST", ... */
    bool is_head;                                /* HEAD: the server sends headers only */
    const char *path;                            /* decoded path without the query string */
    const char *params[LIMIT_HTTP_ROUTE_PARAMS]; /* route placeholders, in pattern order */
    int n_params;
    HttpParams query;      /* query string parameters */
    const char *body;      /* request body (POST/PUT/PATCH/DELETE), NUL-terminated, or NULL */
    size_t body_len;       /* at most the route's body_max (default LIMIT_HTTP_BODY_BYTES);
                              larger bodies get 413 */
    const char *peer_addr; /* textual address of the TCP peer */
    void *app;             /* the server's application context (HttpServerConfig.app) */
    void *user;            /* set by the guard: who is asking (the application's type) */
    void *body_state;      /* a streaming route's own state (HttpBodySink); http/ never
                              reads it */
    void *note;            /* the application's own per-request state (e.g. from its guard
                              to its after hook); http/ never reads it */
    void *impl;            /* private to http/ */
} HttpRequest;

/* One part of a multipart/form-data body, as its headers name it. Borrowed for one call. */
typedef struct HttpFormPart {
    const char *name;         /* the form field name */
    const char *filename;     /* the client's file name, or NULL (a plain field) */
    const char *content_type; /* as declared by the client, or NULL */
} HttpFormPart;

/* A route that consumes its multipart/form-data body as a stream instead of having it
 * buffered (HttpRoute.sink). All three run on the connection's server thread, in order:
 * begin once the head is complete and the guard passed, data for every piece of every
 * part as it arrives, end when the exchange is over whatever happened. The route's handler
 * then runs as usual once the whole body has been handed over (req->body stays NULL). */
typedef struct HttpBodySink {
    /* Decides whether to take the body: returns 0 to accept it, 1 after answering `res`
     * (the server sends that and closes the connection), or a negative error (500). May set
     * req->body_state. */
    int (*begin)(HttpRequest *req, HttpResponse *res);
    /* Takes `len` bytes of `part` at byte `offset` of that part (0: a new part starts;
     * `len` may be 0). Returns 0, or a negative error after answering `res`: nothing more is
     * handed over, the rest of the body is discarded and `res` is sent (connection closed). */
    int (*data)(HttpRequest *req, HttpResponse *res, const HttpFormPart *part, uint64_t offset,
                const char *data, size_t len);
    /* Releases what begin and data kept, once the response completed or the client went
     * away; `handled` says whether the handler ran. Called only when begin returned 0. */
    void (*end)(HttpRequest *req, bool handled);
} HttpBodySink;

/* Returns the value of request header `name` (case-insensitive) or NULL. Borrowed until
 * the response completes. */
const char *http_request_header(const HttpRequest *req, const char *name);

/* Returns the first query parameter `name` or NULL. */
const char *http_request_query(const HttpRequest *req, const char *name);

/* Sets the status code (default 200). */
void http_response_status(HttpResponse *res, int status);

/* Adds a response header; both strings are copied. Returns 0, -EINVAL (CR/LF in either,
 * an empty name or a ':' in it) or -ENOMEM. */
int http_response_header(HttpResponse *res, const char *name, const char *value);

/* Body from memory: `data` must stay valid until the response completes (use the request
 * arena). Sets Content-Type (copied; NULL: none). Returns 0, or -EINVAL / -ENOMEM for a
 * content type with CR/LF or no room to copy it. */
int http_response_body(HttpResponse *res, const char *content_type, const void *data, size_t len);

/* Body from memory owned elsewhere: as http_response_body(), and `release(cls)` is called
 * once the server is done with `data` (sent, replaced, or never sent). On failure
 * release(cls) has already been called. Returns 0, -EINVAL or -ENOMEM. */
int http_response_body_ref(HttpResponse *res, const char *content_type, const void *data,
                           size_t len, void (*release)(void *cls), void *cls);

/* As http_response_body_ref() for a body that is a gzip form: also adds Content-Encoding:
 * gzip and, unless a Vary header is there, Vary: Accept-Encoding. Either everything is set
 * or nothing changed (then release(cls) has been called). Returns 0, -EINVAL or -ENOMEM. */
int http_response_body_gzip(HttpResponse *res, const char *content_type, const void *data,
                            size_t len, void (*release)(void *cls), void *cls);

/* When the response holds a body in memory, writes it, its length and its content type
 * (NULL: none) and returns true; borrowed until the response completes. */
bool http_response_memory(const HttpResponse *res, const void **ret_data, size_t *ret_len,
                          const char **ret_type);

/* Returns the status set so far (200 unless changed). */
int http_response_get_status(const HttpResponse *res);

/* True when a header `name` (case-insensitive) has been added. */
bool http_response_has_header(const HttpResponse *res, const char *name);

/* Body of `length` bytes from `fd` at `offset`, sent with sendfile. Takes ownership of fd
 * (closed when the response completes, or at once on error). Returns 0, -EINVAL or
 * -ENOMEM (content type as for http_response_body). */
int http_response_fd(HttpResponse *res, const char *content_type, int fd, uint64_t offset,
                     uint64_t length);

/* Body produced by another thread through `live` (chunked; no Content-Length). Takes one
 * reference to `live` on success. Returns 0, -EINVAL or -ENOMEM (content type as above).
 * Setting a body replaces (and releases) any body set before. */
int http_response_live(HttpResponse *res, const char *content_type, HttpLive *live);

#endif
