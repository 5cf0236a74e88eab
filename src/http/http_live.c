/*
 * http_live.c - a ring buffer between one producer thread and one libmicrohttpd response.
 *
 * The content reader copies what is buffered; when nothing is, it suspends the connection
 * (under the pipe's mutex, so a concurrent write cannot slip between the check and the
 * suspend) and returns 0. Whoever clears `suspended` - the next write, finish, or a server
 * stop - resumes the connection, still under the mutex: a suspended connection cannot be
 * closed by libmicrohttpd, so the MHD_Connection stays valid for that call.
 * Lock order: HttpLiveList.mu, then HttpLive.mu, then libmicrohttpd's own locks.
 */
#include "http/http_internal.h"

#include "core/limits.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define LIVE_BLOCK_SIZE (16 * 1024)

struct HttpLive {
    atomic_int refs;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled when space frees up or the pipe is cancelled */
    unsigned char *buf;
    size_t cap;
    size_t head;    /* guarded by mu: index of the oldest byte */
    size_t fill;    /* guarded by mu: bytes buffered */
    bool finished;  /* guarded by mu */
    int err;        /* guarded by mu: the finish error */
    bool cancelled; /* guarded by mu */
    bool suspended; /* guarded by mu: the reader suspended conn and nobody resumed it yet */
    uint64_t sent;  /* guarded by mu */
    /* guarded by mu: the declared Content-Length, 0 = chunked */
    uint64_t length;
    struct MHD_Connection *conn; /* guarded by mu; set once when attached */
    HttpLiveList *list;          /* guarded by list->mu */
    HttpLive *prev;
    HttpLive *next;
};

HttpLive *http_live_new(size_t capacity)
{
    if (capacity == 0 || capacity > LIMIT_LIVE_BUFFER_BYTES)
        return NULL;
    HttpLive *live = calloc(1, sizeof(*live));
    if (!live)
        goto out;
    live->buf = malloc(capacity);
    if (!live->buf)
        goto out_free_live;
    if (pthread_mutex_init(&live->mu, NULL) != 0)
        goto out_free_buf;
    if (pthread_cond_init(&live->cv, NULL) != 0)
        goto out_destroy_mutex;
    live->cap = capacity;
    atomic_init(&live->refs, 1);
    return live;

out_destroy_mutex:
    pthread_mutex_destroy(&live->mu);
out_free_buf:
    free(live->buf);
out_free_live:
    free(live);
out:
    return NULL;
}

void http_live_ref(HttpLive *live)
{
    atomic_fetch_add(&live->refs, 1);
}

void http_live_unref(HttpLive *live)
{
    if (!live || atomic_fetch_sub(&live->refs, 1) != 1)
        return;
    pthread_cond_destroy(&live->cv);
    pthread_mutex_destroy(&live->mu);
    free(live->buf);
    free(live);
}

/* Resumes the connection if the reader suspended it. Caller holds live->mu. */
static void live_wake_reader(HttpLive *live)
{
    if (live->suspended) {
        live->suspended = false;
        MHD_resume_connection(live->conn);
    }
}

int http_live_write(HttpLive *live, const void *data, size_t len)
{
    const unsigned char *p = data;
    int rc = 0;
    pthread_mutex_lock(&live->mu);
    while (len > 0) {
        if (live->cancelled) {
            rc = -EPIPE;
            break;
        }
        if (live->finished) {
            rc = -EINVAL;
            break;
        }
        size_t space = live->cap - live->fill;
        if (space == 0) {
            pthread_cond_wait(&live->cv, &live->mu);
            continue;
        }
        size_t n = len < space ? len : space;
        size_t tail = (live->head + live->fill) % live->cap;
        size_t first = live->cap - tail < n ? live->cap - tail : n;
        memcpy(live->buf + tail, p, first);
        memcpy(live->buf, p + first, n - first);
        live->fill += n;
        p += n;
        len -= n;
        live_wake_reader(live);
    }
    pthread_mutex_unlock(&live->mu);
    return rc;
}

void http_live_finish(HttpLive *live, int err)
{
    pthread_mutex_lock(&live->mu);
    if (!live->finished) {
        live->finished = true;
        live->err = err;
    }
    live_wake_reader(live);
    pthread_mutex_unlock(&live->mu);
}

bool http_live_cancelled(HttpLive *live)
{
    pthread_mutex_lock(&live->mu);
    bool c = live->cancelled;
    pthread_mutex_unlock(&live->mu);
    return c;
}

uint64_t http_live_sent(HttpLive *live)
{
    pthread_mutex_lock(&live->mu);
    uint64_t n = live->sent;
    pthread_mutex_unlock(&live->mu);
    return n;
}

/* Marks the pipe cancelled, wakes a blocked writer, resumes the connection. Caller holds
 * live->mu. */
static void live_cancel_locked(HttpLive *live)
{
    live->cancelled = true;
    live_wake_reader(live);
    pthread_cond_broadcast(&live->cv);
}

void http_live_abandon(HttpLive *live)
{
    if (!live)
        return;
    pthread_mutex_lock(&live->mu);
    live_cancel_locked(live);
    pthread_mutex_unlock(&live->mu);
    http_live_unref(live);
}

void http_live_set_length(HttpLive *live, uint64_t length)
{
    pthread_mutex_lock(&live->mu);
    live->length = length;
    pthread_mutex_unlock(&live->mu);
}

static ssize_t live_reader(void *cls, uint64_t pos, char *out, size_t max)
{
    HttpLive *live = cls;
    ssize_t r;
    (void)pos;
    pthread_mutex_lock(&live->mu);
    /* with a declared length, never past it (MHD stops asking once it is reached) */
    if (live->length && max > live->length - live->sent)
        max = (size_t)(live->length - live->sent);
    if (live->cancelled) {
        r = MHD_CONTENT_READER_END_WITH_ERROR;
    } else if (max == 0) {
        r = MHD_CONTENT_READER_END_OF_STREAM;
    } else if (live->fill > 0) {
        size_t n = live->fill < max ? live->fill : max;
        size_t first = live->cap - live->head < n ? live->cap - live->head : n;
        memcpy(out, live->buf + live->head, first);
        memcpy(out + first, live->buf, n - first);
        live->head = (live->head + n) % live->cap;
        live->fill -= n;
        live->sent += n;
        pthread_cond_broadcast(&live->cv);
        r = (ssize_t)n;
    } else if (live->finished && live->err == 0 && live->length) {
        memset(out, 0, max); /* short of the declared length: pad */
        live->sent += max;
        r = (ssize_t)max;
    } else if (live->finished) {
        r = live->err == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
    } else {
        /* Nothing yet: park the connection until the producer writes (no busy-spin). */
        if (!live->suspended) {
            MHD_suspend_connection(live->conn);
            live->suspended = true;
        }
        r = 0;
    }
    pthread_mutex_unlock(&live->mu);
    return r;
}

static void live_unlink(HttpLive *live)
{
    HttpLiveList *list = live->list;
    if (!list)
        return;
    pthread_mutex_lock(&list->mu);
    if (live->prev)
        live->prev->next = live->next;
    else
        list->head = live->next;
    if (live->next)
        live->next->prev = live->prev;
    live->prev = live->next = NULL;
    live->list = NULL;
    pthread_mutex_unlock(&list->mu);
}

/* The response is destroyed: the client is gone or the body is complete. */
static void live_free(void *cls)
{
    HttpLive *live = cls;
    live_unlink(live);
    pthread_mutex_lock(&live->mu);
    live->suspended = false; /* a destroyed response's connection is not suspended */
    live->cancelled = true;
    pthread_cond_broadcast(&live->cv);
    pthread_mutex_unlock(&live->mu);
    http_live_unref(live);
}

struct MHD_Response *http_live_mhd_response(HttpLive *live, struct MHD_Connection *conn,
                                            HttpLiveList *list)
{
    pthread_mutex_lock(&live->mu);
    live->conn = conn;
    uint64_t size = live->length ? live->length : MHD_SIZE_UNKNOWN;
    pthread_mutex_unlock(&live->mu);

    pthread_mutex_lock(&list->mu);
    live->list = list;
    live->prev = NULL;
    live->next = list->head;
    if (list->head)
        list->head->prev = live;
    list->head = live;
    if (list->closed) {
        pthread_mutex_lock(&live->mu);
        live_cancel_locked(live);
        pthread_mutex_unlock(&live->mu);
    }
    pthread_mutex_unlock(&list->mu);

    struct MHD_Response *r =
        MHD_create_response_from_callback(size, LIVE_BLOCK_SIZE, live_reader, live, live_free);
    if (!r) {
        live_unlink(live);
        http_live_abandon(live);
    }
    return r;
}

int http_live_list_init(HttpLiveList *list)
{
    list->head = NULL;
    list->closed = false;
    return -pthread_mutex_init(&list->mu, NULL);
}

void http_live_list_destroy(HttpLiveList *list)
{
    pthread_mutex_destroy(&list->mu);
}

void http_live_list_cancel_all(HttpLiveList *list)
{
    pthread_mutex_lock(&list->mu);
    list->closed = true;
    for (HttpLive *live = list->head; live; live = live->next) {
        pthread_mutex_lock(&live->mu);
        live_cancel_locked(live);
        pthread_mutex_unlock(&live->mu);
    }
    pthread_mutex_unlock(&list->mu);
}
