/*
 * cache_pages.h - a bounded in-process store of rendered answers: bytes under a text key,
 * each stamped with the generation (db_generation_get()) it was computed under.
 *
 * A page is found only with the stamp it was stored with; one found with another stamp is
 * dropped. The store counts every byte it holds (key, type, encoding, body, bookkeeping) and
 * evicts the least recently used pages to stay within its budget. Pages are reference
 * counted: one taken by cache_pages_get() stays readable (its bytes never change) until
 * cache_page_unref(), even if it is evicted or replaced meanwhile. Any thread: one mutex
 * guards the table; nothing is copied or freed under it but bookkeeping.
 */
#ifndef SWAZ_CACHE_PAGES_H
#define SWAZ_CACHE_PAGES_H

#include <stddef.h>
#include <stdint.h>

typedef struct CachePages CachePages;
typedef struct CachePage CachePage;

/* What the store keeps per page besides its key and bytes, counted in the budget. */
#define CACHE_PAGES_OVERHEAD 128

/* Makes a store of at most `max_bytes` (> 0). Returns NULL when out of memory.
 * Caller frees with cache_pages_free() once no page is referenced. */
CachePages *cache_pages_new(size_t max_bytes);

/* Frees the store and the pages only it referenced. NULL is a no-op. */
void cache_pages_free(CachePages *c);

/* Finds `key` stored with `stamp`: on a hit writes a new reference to *ret_page and returns
 * 0; returns -ENOENT on a miss (a page with another stamp is dropped). */
int cache_pages_get(CachePages *c, const char *key, int64_t stamp, CachePage **ret_page);

/* Stores a copy of `len` bytes of `body` of type `type`, in content coding `encoding` (e.g.
 * "gzip"; NULL: identity), under `key` and `stamp`, replacing what the key held, and writes a
 * new reference to the page to *ret_page when ret_page is not NULL. Returns 0, -E2BIG (the
 * page would take more than an eighth of the budget; nothing stored) or -ENOMEM. */
int cache_pages_put(CachePages *c, const char *key, int64_t stamp, const char *type,
                    const char *encoding, const void *body, size_t len, CachePage **ret_page);

/* The page's body (in its encoding) and content type; stable while the reference is held. */
const void *cache_page_body(const CachePage *page, size_t *ret_len);
const char *cache_page_type(const CachePage *page);

/* The content coding of the page's body, or NULL for identity. */
const char *cache_page_encoding(const CachePage *page);

/* Drops a reference taken by cache_pages_get() or cache_pages_put(). NULL is a no-op. */
void cache_page_unref(CachePage *page);

/* Counters for /metrics: pages held, bytes held. */
void cache_pages_usage(CachePages *c, size_t *ret_pages, size_t *ret_bytes);

#endif
