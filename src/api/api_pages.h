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
 * (page_cache_mb); the least recently used pages make room. The Subsonic methods whose answers
 * are the same for every caller with the same libraries (and, for getArtists and getIndexes,
 * the same stars and ratings of artists) are kept the same way through api_pages_answer(),
 * which their handler calls once it has authenticated the caller. Any thread.
 */
#ifndef SWAZ_API_PAGES_H
#define SWAZ_API_PAGES_H

#include "db/db.h"
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
 * (any 200 memory answer one noted by api_pages_answer()), of at most
 * LIMIT_PAGE_CACHE_BODY_BYTES, and sends the kept gzip form to a client that accepts gzip. */
void api_pages_after(HttpRequest *req, HttpResponse *res, const HttpRoute *route);

/* HttpServerConfig.quick: answers a GET of a kept route from the page kept for it, when the
 * caller's sign-in checks out without the database (api_auth_quick()) and the library
 * generation is known without reading it (db_generation_peek()). Returns 1 having answered, 0
 * (res untouched: api_pages_guard() runs on a worker), or a negative error (a 500). Never
 * blocks. */
int api_pages_quick(HttpRequest *req, HttpResponse *res, const HttpRoute *route);

/* Returns the page key of `req`: its path, the `n` parameters `params` in order except those
 * whose name is in `skip` (a NULL-ended list, or NULL), `extra` (what else the answer depends
 * on; NULL: nothing) and the libraries of the signed-in user (all, when none is). Arena-owned;
 * NULL when longer than LIMIT_PAGE_CACHE_KEY_BYTES or out of memory. */
char *api_pages_key(HttpRequest *req, const HttpParam *params, size_t n, const char *const *skip,
                    const char *extra);

/* For a handler that decides itself, once it knows the caller, that its answer depends only
 * on `key` and the library (the Subsonic methods): answers `req` with the page kept under
 * `key` while the library generation has not moved (returns 1), else notes the request so
 * that api_pages_after() keeps its 200 answer under `key` (returns 0, also when there is no
 * cache or `key` is NULL), or returns a negative error. Counts hits and misses as the guard
 * does. `conn` is a connection the caller holds (for db_generation_get()), or NULL. */
int api_pages_answer(HttpRequest *req, HttpResponse *res, DbConn *conn, const char *key);

/* Forgets what api_pages_answer() noted: the answer turned out not to be one to keep. */
void api_pages_drop(HttpRequest *req);

#endif
