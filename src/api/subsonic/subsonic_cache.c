/*
 * subsonic_cache.c - which Subsonic methods are kept, and the key of one call: the path, the
 * parameters but credentials and client fields, "legacy" or "open", and for the artist lists
 * the digest of the caller's stars and ratings of artists (read again once rendered: a star
 * set meanwhile would otherwise leave a page under a digest it does not match).
 */
#include "api/subsonic/subsonic_cache.h"

#include "api/api_pages.h"
#include "core/str.h"
#include "library/library_annotate.h"

#include <sodium.h>
#include <string.h>

/* The methods whose answers are kept; `artists`: they show the caller's stars and ratings of
 * artists. Every other method shows per-user fields (play counts, stars of songs and albums,
 * bookmarks) or changes something, and is never kept. */
static const struct {
    const char *name;
    bool artists;
} subsonic_cache_methods[] = {
    {"getMusicFolders", false},
    {"getGenres", false},
    {"getArtists", true},
    {"getIndexes", true},
};

/* Parameters that never enter a key: credentials must never be stored, and neither they nor
 * the client's name and version change the answer (the legacy form enters the key itself). */
static const char *const subsonic_cache_skip[] = {"u", "p", "t", "s", "apiKey", "c", "v", NULL};

/* What subsonic_cache_answer() noted for subsonic_cache_done(). */
typedef struct SubsonicCacheNote {
    bool artists;
    unsigned char digest[LIBRARY_ANNOTATE_DIGEST_BYTES];
} SubsonicCacheNote;

char *subsonic_cache_key(SubsonicCall *call, const unsigned char *digest)
{
    char extra[16 + 2 * LIBRARY_ANNOTATE_DIGEST_BYTES + 1];
    str_copy(extra, subsonic_doc_legacy(call->doc) ? "legacy" : "open", sizeof(extra));
    if (digest) {
        size_t n = strlen(extra);
        extra[n++] = ' ';
        sodium_bin2hex(extra + n, sizeof(extra) - n, digest, LIBRARY_ANNOTATE_DIGEST_BYTES);
    }
    return api_pages_key(call->req, call->params.items, call->params.count, subsonic_cache_skip,
                         extra);
}

int subsonic_cache_answer(SubsonicCall *call, const SubsonicMethod *m)
{
    call->cache = NULL;
    size_t i = 0;
    while (i < sizeof(subsonic_cache_methods) / sizeof(subsonic_cache_methods[0]) &&
           strcmp(subsonic_cache_methods[i].name, m->name) != 0)
        i++;
    if (i == sizeof(subsonic_cache_methods) / sizeof(subsonic_cache_methods[0]) || !call->user ||
        !call->ctx->pages)
        return 0;
    SubsonicCacheNote *note = arena_calloc(call->req->arena, 1, sizeof(*note));
    if (!note)
        return 0; /* rendered as if there were no cache */
    note->artists = subsonic_cache_methods[i].artists;
    if (note->artists) {
        int r =
            library_annotate_digest(call->conn, call->user->user_id, ANNOTATE_ARTIST, note->digest);
        if (r < 0)
            return r;
    }
    const char *key = subsonic_cache_key(call, note->artists ? note->digest : NULL);
    int r = api_pages_answer(call->req, call->res, call->conn, key);
    if (r == 0)
        call->cache = note;
    return r;
}

void subsonic_cache_done(SubsonicCall *call, int r)
{
    const SubsonicCacheNote *note = call->cache;
    if (!note)
        return;
    unsigned char now[LIBRARY_ANNOTATE_DIGEST_BYTES];
    if (r < 0 || (note->artists && (!call->conn ||
                                    library_annotate_digest(call->conn, call->user->user_id,
                                                            ANNOTATE_ARTIST, now) < 0 ||
                                    memcmp(now, note->digest, sizeof(now)) != 0)))
        subsonic_cache_drop(call);
}

void subsonic_cache_drop(SubsonicCall *call)
{
    if (call->cache)
        api_pages_drop(call->req);
    call->cache = NULL;
}
