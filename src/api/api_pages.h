/*
 * api_pages.h - the page cache: library answers kept rendered (and gzipped) in memory.
 *
 * The browse and search answers of /api/ (songs, albums, artists, genres, years, folders,
 * search, and the single song, album, artist and folder) depend only on the library, the
 * query and the libraries the user may see. The first request renders the answer as usual;
 * it is kept under (path, query, those libraries) and stamped with the library generation
 * (DB_GENERATION_LIBRARY, db_generation_get()) read before rendering. Later identical requests
 * get the kept bytes while the generation has not moved: every scan transaction moves it, in
 * this process or any other on the same database. Lists that depend on the user (recent,
 * frequent, starred, highest) and random ones are never kept.
 *
 * An answer of HTTP_GZIP_MIN_BYTES or more is kept in gzip form only, compressed once: sent as
 * it is to a client that accepts gzip, inflated for one that does not. The store is bounded
 * (page_cache_mb); the least recently used pages make room. Any thread.
 */
#ifndef SWAZ_API_PAGES_H
#define SWAZ_API_PAGES_H

#include "http/http_request.h"
#include "http/http_router.h"

#include <stddef.h>

typedef struct ApiPages ApiPages;

/* Makes a page cache of `max_bytes` (> 0) whose compression keeps up to `threads` spare
 * compressors. Returns 0, -EINVAL or -ENOMEM. Caller frees with api_pages_free() after the
 * server stopped. */
int api_pages_new(size_t max_bytes, unsigned threads, ApiPages **ret_pages);

/* Frees the cache. NULL is a no-op. */
void api_pages_free(ApiPages *pages);

/* The server's guard (HttpServerConfig.guard): api_auth_guard(), then, for a cacheable GET or
 * HEAD, the kept answer when there is one (returns 1, answered), else a note for
 * api_pages_after() (returns 0). Returns as api_auth_guard() otherwise. */
int api_pages_guard(HttpRequest *req, HttpResponse *res, const HttpRoute *route);

/* The server's after hook (HttpServerConfig.after): keeps a 200 JSON answer the guard noted
 * (of at most LIMIT_PAGE_CACHE_BODY_BYTES), and sends the kept gzip form to a client that
 * accepts gzip. */
void api_pages_after(HttpRequest *req, HttpResponse *res, const HttpRoute *route);

#endif
