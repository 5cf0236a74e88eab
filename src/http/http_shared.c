/*
 * http_shared.c - one libmicrohttpd response, and one file descriptor, for every identical
 * file answer in flight.
 *
 * Listeners of the same song get byte-for-byte the same answer (same file, range, status and
 * headers); libmicrohttpd responses are reference-counted and may be queued on any number
 * of connections, and a file response sends with sendfile()/pread() at explicit offsets, so
 * the descriptor's position is never used. A table keyed by the file's identity (device,
 * inode, size, mtime) and the whole answer's description keeps one response per key while
 * it is in use; 10,000 listeners of 8 songs then hold 8 descriptors, not 10,000, which is
 * what lets one process reach its connection target under a 20,000-descriptor limit. The
 * table is guarded by its mutex; any server thread.
 */
#include "http/http_internal.h"

#include "core/buf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHARED_BUCKETS   4096
#define SHARED_KEY_BYTES (LIMIT_HTTP_HEADER_BYTES + 512) /* longer answers are not shared */

struct HttpSharedEntry {
    uint64_t hash;
    char *key;
    struct MHD_Response *response; /* the table's reference */
    unsigned users;                /* guarded by HttpShared.mu */
    HttpSharedEntry *next;         /* bucket chain, guarded by HttpShared.mu */
};

static uint64_t shared_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

int http_shared_init(HttpShared *s)
{
    s->buckets = calloc(SHARED_BUCKETS, sizeof(*s->buckets));
    if (!s->buckets)
        return -ENOMEM;
    int r = -pthread_mutex_init(&s->mu, NULL);
    if (r < 0) {
        free(s->buckets);
        s->buckets = NULL;
    }
    return r;
}

void http_shared_destroy(HttpShared *s)
{
    if (!s->buckets)
        return;
    for (size_t i = 0; i < SHARED_BUCKETS; i++) {
        HttpSharedEntry *e = s->buckets[i];
        while (e) {
            HttpSharedEntry *next = e->next;
            MHD_destroy_response(e->response);
            free(e->key);
            free(e);
            e = next;
        }
    }
    free(s->buckets);
    s->buckets = NULL;
    pthread_mutex_destroy(&s->mu);
}

/* The key: the file's identity, the range, and everything sent in the head. */
static int shared_key(const HttpResponse *res, int fd, bool close_after, Buf *key)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return -EINVAL;
    int r = buf_printf(key, "%ju:%ju:%jd:%jd.%ld|%" PRIu64 "+%" PRIu64 "|%d|%d|%s\n",
                       (uintmax_t)st.st_dev, (uintmax_t)st.st_ino, (intmax_t)st.st_size,
                       (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, res->offset, res->length,
                       res->status, close_after, res->content_type ? res->content_type : "");
    for (const HttpHeaderLine *h = res->headers; h && r == 0; h = h->next)
        r = buf_printf(key, "%s: %s\n", h->name, h->value);
    return r;
}

struct MHD_Response *http_shared_response(HttpShared *s, HttpResponse *res, bool close_after,
                                          struct MHD_Response *(*build)(HttpResponse *res,
                                                                        bool close_after),
                                          HttpSharedEntry **ret_entry)
{
    Buf key;
    buf_init(&key, SHARED_KEY_BYTES);
    if (shared_key(res, res->fd, close_after, &key) < 0 || !key.data) {
        buf_free(&key);
        return NULL; /* not shareable: the caller builds its own */
    }
    uint64_t h = shared_hash(key.data, key.len);
    HttpSharedEntry **bucket = &s->buckets[h % SHARED_BUCKETS];
    pthread_mutex_lock(&s->mu);
    for (HttpSharedEntry *e = *bucket; e; e = e->next) {
        if (e->hash == h && strcmp(e->key, key.data) == 0) {
            e->users++;
            pthread_mutex_unlock(&s->mu);
            buf_free(&key);
            close(res->fd); /* the shared response has its own descriptor of this file */
            res->fd = -1;
            *ret_entry = e;
            return e->response;
        }
    }
    /* Built under the lock so that two first listeners do not both open a response. */
    HttpSharedEntry *e = calloc(1, sizeof(*e));
    struct MHD_Response *r = e ? build(res, close_after) : NULL;
    if (!r) {
        pthread_mutex_unlock(&s->mu);
        free(e);
        buf_free(&key);
        return NULL;
    }
    e->hash = h;
    e->key = buf_steal(&key);
    e->response = r;
    e->users = 1;
    e->next = *bucket;
    *bucket = e;
    pthread_mutex_unlock(&s->mu);
    *ret_entry = e;
    return r;
}

void http_shared_release(HttpShared *s, HttpSharedEntry *entry)
{
    if (!entry)
        return;
    pthread_mutex_lock(&s->mu);
    if (--entry->users > 0) {
        pthread_mutex_unlock(&s->mu);
        return;
    }
    HttpSharedEntry **p = &s->buckets[entry->hash % SHARED_BUCKETS];
    while (*p != entry)
        p = &(*p)->next;
    *p = entry->next;
    pthread_mutex_unlock(&s->mu);
    MHD_destroy_response(entry->response); /* connections still sending keep their own ref */
    free(entry->key);
    free(entry);
}
