/*
 * cache_pages.c - rendered answers in a chained hash table with one LRU list, both behind a
 * mutex. A page's reference count is atomic, so a reader drops its reference without the
 * lock; the table holds one reference per page it links. A page never changes once stored.
 */
#include "cache/cache_pages.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Buckets of the hash table (a power of two). */
#define CACHE_PAGES_BUCKETS 8192

struct CachePage {
    CachePage *chain;      /* next page of the bucket; guarded by the store's mu */
    CachePage *prev, *nxt; /* LRU list, most recent first; guarded by mu */
    bool linked;           /* in the table and the list; guarded by mu */
    uint64_t hash;
    int64_t stamp;
    size_t cost; /* bytes counted in the budget */
    atomic_size_t refs;
    char *key;
    char *type;
    char *encoding; /* NULL: identity */
    void *body;
    size_t len;
};

struct CachePages {
    pthread_mutex_t mu;
    size_t max_bytes; /* immutable */
    size_t bytes;     /* guarded by mu */
    size_t pages;     /* guarded by mu */
    CachePage *head;  /* guarded by mu: most recently used */
    CachePage *tail;  /* guarded by mu: least recently used */
    CachePage *buckets[CACHE_PAGES_BUCKETS];
};

/* FNV-1a, 64 bits. */
static uint64_t cache_pages_hash(const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

static void cache_page_destroy(CachePage *page)
{
    free(page->key);
    free(page->type);
    free(page->encoding);
    free(page->body);
    free(page);
}

void cache_page_unref(CachePage *page)
{
    if (page && atomic_fetch_sub(&page->refs, 1) == 1)
        cache_page_destroy(page);
}

CachePages *cache_pages_new(size_t max_bytes)
{
    if (max_bytes == 0)
        return NULL;
    CachePages *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return NULL;
    }
    c->max_bytes = max_bytes;
    return c;
}

void cache_pages_free(CachePages *c)
{
    if (!c)
        return;
    for (CachePage *p = c->head, *next; p; p = next) {
        next = p->nxt;
        cache_page_unref(p);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* Takes `page` out of the table and the list; returns the table's reference to the caller.
 * Caller holds mu. */
static CachePage *cache_pages_unlink(CachePages *c, CachePage *page)
{
    CachePage **pp = &c->buckets[page->hash & (CACHE_PAGES_BUCKETS - 1)];
    while (*pp != page)
        pp = &(*pp)->chain;
    *pp = page->chain;
    if (page->prev)
        page->prev->nxt = page->nxt;
    else
        c->head = page->nxt;
    if (page->nxt)
        page->nxt->prev = page->prev;
    else
        c->tail = page->prev;
    page->prev = page->nxt = page->chain = NULL;
    page->linked = false;
    c->bytes -= page->cost;
    c->pages--;
    return page;
}

/* Moves a linked page to the front of the list. Caller holds mu. */
static void cache_pages_touch(CachePages *c, CachePage *page)
{
    if (c->head == page)
        return;
    page->prev->nxt = page->nxt;
    if (page->nxt)
        page->nxt->prev = page->prev;
    else
        c->tail = page->prev;
    page->prev = NULL;
    page->nxt = c->head;
    c->head->prev = page;
    c->head = page;
}

/* Finds the linked page of `key`. Caller holds mu. */
static CachePage *cache_pages_find(CachePages *c, const char *key, uint64_t hash)
{
    for (CachePage *p = c->buckets[hash & (CACHE_PAGES_BUCKETS - 1)]; p; p = p->chain) {
        if (p->hash == hash && strcmp(p->key, key) == 0)
            return p;
    }
    return NULL;
}

int cache_pages_get(CachePages *c, const char *key, int64_t stamp, CachePage **ret_page)
{
    uint64_t hash = cache_pages_hash(key);
    CachePage *stale = NULL;
    pthread_mutex_lock(&c->mu);
    CachePage *p = cache_pages_find(c, key, hash);
    if (p && p->stamp != stamp) {
        stale = cache_pages_unlink(c, p);
        p = NULL;
    }
    if (p) {
        cache_pages_touch(c, p);
        atomic_fetch_add(&p->refs, 1);
    }
    pthread_mutex_unlock(&c->mu);
    cache_page_unref(stale);
    if (!p)
        return -ENOENT;
    *ret_page = p;
    return 0;
}

/* Evicts from the tail until `extra` more bytes fit; collects the evicted pages on *freed
 * (through their chain link) for the caller to unreference outside the lock. Caller holds
 * mu. */
static void cache_pages_make_room(CachePages *c, size_t extra, CachePage **freed)
{
    while (c->tail && c->bytes + extra > c->max_bytes) {
        CachePage *victim = cache_pages_unlink(c, c->tail);
        victim->chain = *freed;
        *freed = victim;
    }
}

static void cache_pages_release_list(CachePage *list)
{
    while (list) {
        CachePage *next = list->chain;
        list->chain = NULL;
        cache_page_unref(list);
        list = next;
    }
}

int cache_pages_put(CachePages *c, const char *key, int64_t stamp, const char *type,
                    const char *encoding, const void *body, size_t len, CachePage **ret_page)
{
    size_t key_len = strlen(key), type_len = strlen(type);
    size_t enc_len = encoding ? strlen(encoding) : 0;
    size_t cost = CACHE_PAGES_OVERHEAD + key_len + type_len + enc_len + len;
    if (cost > c->max_bytes / 8)
        return -E2BIG;
    CachePage *page = calloc(1, sizeof(*page));
    if (!page)
        return -ENOMEM;
    page->key = malloc(key_len + 1);
    page->type = malloc(type_len + 1);
    page->encoding = encoding ? malloc(enc_len + 1) : NULL;
    page->body = malloc(len ? len : 1);
    if (!page->key || !page->type || (encoding && !page->encoding) || !page->body) {
        cache_page_destroy(page);
        return -ENOMEM;
    }
    memcpy(page->key, key, key_len + 1);
    memcpy(page->type, type, type_len + 1);
    if (encoding)
        memcpy(page->encoding, encoding, enc_len + 1);
    if (len)
        memcpy(page->body, body, len);
    page->len = len;
    page->hash = cache_pages_hash(key);
    page->stamp = stamp;
    page->cost = cost;
    atomic_init(&page->refs, ret_page ? 2 : 1); /* the table's, and the caller's */

    CachePage *freed = NULL;
    pthread_mutex_lock(&c->mu);
    CachePage *old = cache_pages_find(c, key, page->hash);
    if (old) {
        cache_pages_unlink(c, old);
        old->chain = freed;
        freed = old;
    }
    cache_pages_make_room(c, cost, &freed);
    CachePage **bucket = &c->buckets[page->hash & (CACHE_PAGES_BUCKETS - 1)];
    page->chain = *bucket;
    *bucket = page;
    page->nxt = c->head;
    if (c->head)
        c->head->prev = page;
    c->head = page;
    if (!c->tail)
        c->tail = page;
    page->linked = true;
    c->bytes += cost;
    c->pages++;
    pthread_mutex_unlock(&c->mu);
    cache_pages_release_list(freed);
    if (ret_page)
        *ret_page = page;
    return 0;
}

const void *cache_page_body(const CachePage *page, size_t *ret_len)
{
    *ret_len = page->len;
    return page->body;
}

const char *cache_page_type(const CachePage *page)
{
    return page->type;
}

const char *cache_page_encoding(const CachePage *page)
{
    return page->encoding;
}

void cache_pages_usage(CachePages *c, size_t *ret_pages, size_t *ret_bytes)
{
    pthread_mutex_lock(&c->mu);
    *ret_pages = c->pages;
    *ret_bytes = c->bytes;
    pthread_mutex_unlock(&c->mu);
}
