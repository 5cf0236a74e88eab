/*
 * http_internal.h - what http_server.c, http_request.c, http_live.c and http_file.c share.
 *
 * The response description a handler fills, and the glue between an HttpLive pipe and a
 * libmicrohttpd connection. Private to src/http/: nothing outside this folder includes it
 * (it pulls in microhttpd.h). Threads as in the public headers.
 */
#ifndef SWAZ_HTTP_INTERNAL_H
#define SWAZ_HTTP_INTERNAL_H

#include "http/http_live.h"
#include "http/http_request.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    HTTP_BODY_NONE = 0,
    HTTP_BODY_MEM,
    HTTP_BODY_FD,
    HTTP_BODY_LIVE,
} HttpBodyKind;

typedef struct HttpHeaderLine {
    const char *name; /* Arena-owned */
    const char *value;
    struct HttpHeaderLine *next;
} HttpHeaderLine;

/* One response being described by a handler; lives in the request's Exchange. */
struct HttpResponse {
    Arena *arena;
    int status;
    HttpHeaderLine *headers; /* in insertion order */
    HttpHeaderLine **tail;
    const char *content_type; /* Arena-owned, or NULL */
    HttpBodyKind kind;
    const void *data;           /* HTTP_BODY_MEM */
    void (*release)(void *cls); /* HTTP_BODY_MEM owned elsewhere: called once done with data */
    void *release_cls;
    uint64_t length; /* MEM and FD: bytes of body */
    int fd;          /* HTTP_BODY_FD: owned until handed to libmicrohttpd, else -1 */
    uint64_t offset;
    HttpLive *live; /* HTTP_BODY_LIVE: one reference */
};

/* Prepares an empty 200 response allocating from `arena`. */
void http_response_init(HttpResponse *res, Arena *arena);

/* Drops the body (closes an fd, abandons a live pipe); headers are kept. */
void http_response_drop_body(HttpResponse *res);

/* Drops the body and every header; the status is left as it is. */
void http_response_clear(HttpResponse *res);

/* The live pipes attached to connections of one server; guards their links and `closed`. */
typedef struct HttpLiveList {
    pthread_mutex_t mu;
    HttpLive *head; /* guarded by mu */
    bool closed;    /* guarded by mu: the server is stopping, new pipes start cancelled */
} HttpLiveList;

/* Initialises an empty list. Returns 0 or a negative errno. */
int http_live_list_init(HttpLiveList *list);

/* Destroys an empty list (every response has been destroyed). */
void http_live_list_destroy(HttpLiveList *list);

/* Cancels every attached pipe (writers get -EPIPE) and resumes its connection if it is
 * suspended; pipes attached later start cancelled. Any thread. */
void http_live_list_cancel_all(HttpLiveList *list);

/* Builds the chunked libmicrohttpd response reading from `live` on `conn` and registers it
 * in `list`. Consumes one reference to `live` in every case (the response's free callback
 * drops it). Returns the response, or NULL when out of memory. */
struct MHD_Response *http_live_mhd_response(HttpLive *live, struct MHD_Connection *conn,
                                            HttpLiveList *list);

/* Takes one more reference. */
void http_live_ref(HttpLive *live);

/* Cancels a pipe whose response will never be sent (writers get -EPIPE) and drops one
 * reference. NULL is a no-op. */
void http_live_abandon(HttpLive *live);

/* Returns the body bytes handed to the connection so far. */
uint64_t http_live_sent(HttpLive *live);

/* Identical file answers share one libmicrohttpd response and descriptor (http_shared.c). */
typedef struct HttpSharedEntry HttpSharedEntry;
typedef struct HttpShared {
    pthread_mutex_t mu;
    HttpSharedEntry **buckets; /* guarded by mu */
} HttpShared;

/* Prepares an empty table. Returns 0 or a negative errno. */
int http_shared_init(HttpShared *s);

/* Drops every entry (no request may be in flight). */
void http_shared_destroy(HttpShared *s);

/* For an fd body (res->fd, a regular file): returns the response already in use for the same
 * file, range, status and headers (res->fd is then closed), or one made by `build` (which
 * must add every header and take res->fd) and kept for the next identical answer. The
 * caller queues it without destroying it and calls http_shared_release(*ret_entry) when the
 * request completes. NULL: not shareable or out of memory (res->fd untouched unless `build`
 * took it). */
struct MHD_Response *http_shared_response(HttpShared *s, HttpResponse *res, bool close_after,
                                          struct MHD_Response *(*build)(HttpResponse *res,
                                                                        bool close_after),
                                          HttpSharedEntry **ret_entry);

/* Ends one use of an entry; the last one destroys the table's reference. NULL: no-op. */
void http_shared_release(HttpShared *s, HttpSharedEntry *entry);

#endif
