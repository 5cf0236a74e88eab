/*
 * subsonic_cache.h - the Subsonic answers the page cache keeps (api/api_pages.h), and their
 * keys: getMusicFolders, getGenres, getArtists and getIndexes, whose answers depend only on
 * the library, the query, the caller's libraries, whether the client gets legacy answers
 * and, for the two artist lists, the caller's stars and ratings of artists. Those enter the
 * key as a digest (library_annotate_digest()), so callers who set the same share one page and
 * a star shows at once. Credentials (u, p, t, s, apiKey) and client fields (c, v) are never
 * part of a key; f and callback are. Error answers are never kept. Any server thread.
 */
#ifndef SWAZ_SUBSONIC_CACHE_H
#define SWAZ_SUBSONIC_CACHE_H

#include "api/subsonic/subsonic.h"

/* Returns the page key of the call: its path, its parameters but u, p, t, s, apiKey, c and v,
 * "legacy" or "open", the hex of `digest` (LIBRARY_ANNOTATE_DIGEST_BYTES; NULL: none) and the
 * libraries of req->user. Arena-owned; NULL when too long (LIMIT_PAGE_CACHE_KEY_BYTES) or out
 * of memory. */
char *subsonic_cache_key(SubsonicCall *call, const unsigned char *digest);

/* Once the caller of method `m` is authenticated: answers the call from the page cache
 * (returns 1: the response is set), notes that the answer may be kept (returns 0; also for
 * the methods never kept), or returns a negative error. */
int subsonic_cache_answer(SubsonicCall *call, const SubsonicMethod *m);

/* Once the endpoint returned `r` (before the connection is released): forgets the note when
 * the answer is an error (r < 0) or the caller's stars or ratings changed while it was
 * rendered. */
void subsonic_cache_done(SubsonicCall *call, int r);

/* Forgets the note of subsonic_cache_answer(): the answer will not be the one rendered. */
void subsonic_cache_drop(SubsonicCall *call);

#endif
