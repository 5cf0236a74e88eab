/* subsonic_search.c - search2 / search3 over library_search, or whole-library pages. */
#include "api/subsonic/subsonic_search.h"

#include "api/subsonic/subsonic_items.h"
#include "core/limits.h"
#include "library/library_browse.h"
#include "library/library_search.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* True for a query that asks for everything: empty, only quotes, spaces or '*'. */
static bool subsonic_search_everything(const char *q)
{
    for (; q && *q; q++) {
        if (*q != '"' && *q != ' ' && *q != '*')
            return false;
    }
    return true;
}

/* One kind's count and offset (e.g. "artistCount", "artistOffset"). */
static int subsonic_search_page(SubsonicCall *call, const char *kind, int64_t *ret_count,
                                int64_t *ret_offset)
{
    const char *count = arena_printf(call->req->arena, "%sCount", kind);
    const char *offset = arena_printf(call->req->arena, "%sOffset", kind);
    if (!count || !offset)
        return -ENOMEM;
    int r = subsonic_param_int(call, count, 20, 0, LIMIT_PAGE_MAX, ret_count);
    if (r == 0)
        r = subsonic_param_int(call, offset, 0, 0, INT64_MAX, ret_offset);
    return r;
}

/* Ids of `kind` matching `q` that `scope` sees, the slice [offset, offset + count) of the best
 * LIMIT_SEARCH_HITS_MAX hits. */
static int subsonic_search_ids(SubsonicCall *call, const LibraryScope *scope, const char *q,
                               LibrarySearchKind kind, int64_t count, int64_t offset,
                               const char ***ret_ids, size_t *ret_n)
{
    const char **ids;
    size_t n;
    *ret_n = 0;
    if (count == 0 || offset >= LIMIT_SEARCH_HITS_MAX)
        return 0;
    int64_t want = offset + count < LIMIT_SEARCH_HITS_MAX ? offset + count : LIMIT_SEARCH_HITS_MAX;
    int r = library_search_scoped(call->conn, db_kind(call->ctx->db), call->req->arena, scope, q,
                                  kind, (int)want, &ids, &n);
    if (r == ERR_LIMIT || r == -EINVAL)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Search query too long or too complex");
    if (r < 0)
        return r;
    if (n > (size_t)offset) {
        *ret_ids = ids + offset;
        *ret_n = n - (size_t)offset;
    }
    return 0;
}

/* Artists: the whole library by name, or the hits of `q`. */
static int subsonic_search_artists(SubsonicCall *call, SubsonicNode *list, const char *q,
                                   const LibraryScope *scope)
{
    Arena *a = call->req->arena;
    int64_t count, offset;
    Artist *artists = NULL;
    size_t n = 0;
    int r = subsonic_search_page(call, "artist", &count, &offset);
    if (r < 0)
        return r;
    if (q) {
        const char **ids;
        size_t k;
        if ((r = subsonic_search_ids(call, scope, q, LIBRARY_SEARCH_ARTIST, count, offset, &ids,
                                     &k)) < 0 ||
            (k && (r = library_browse_artists_by_id_scoped(call->conn, a, scope, ids, k, &artists,
                                                           &n)) < 0))
            return r;
    } else if (count > 0) {
        const char *next;
        if ((r = library_browse_artists_at(call->conn, a, scope, offset, (int)count, &artists, &n,
                                           &next)) < 0)
            return r;
    }
    return subsonic_items_artists(call, list, "artist", artists, n, NULL);
}

/* Albums: the whole library by name, or the hits of `q`. */
static int subsonic_search_albums(SubsonicCall *call, SubsonicNode *list, const char *q,
                                  const LibraryScope *scope, bool id3)
{
    Arena *a = call->req->arena;
    int64_t count, offset;
    Album *albums = NULL;
    size_t n = 0;
    int r = subsonic_search_page(call, "album", &count, &offset);
    if (r < 0)
        return r;
    if (q) {
        const char **ids;
        size_t k;
        if ((r = subsonic_search_ids(call, scope, q, LIBRARY_SEARCH_ALBUM, count, offset, &ids,
                                     &k)) < 0 ||
            (k && (r = library_browse_albums_by_id_scoped(call->conn, a, scope, ids, k, &albums,
                                                          &n)) < 0))
            return r;
    } else if (count > 0) {
        AlbumQuery aq = {.list = LIBRARY_ALBUMS_ALPHA_NAME, .scope = scope};
        const char *next;
        if ((r = library_browse_albums_at(call->conn, a, &aq, offset, (int)count, &albums, &n,
                                          &next)) < 0)
            return r;
    }
    return subsonic_items_albums(call, list, "album", albums, n, !id3, NULL);
}

/* Songs: the whole library by title, or the hits of `q`. */
static int subsonic_search_songs(SubsonicCall *call, SubsonicNode *list, const char *q,
                                 const LibraryScope *scope)
{
    Arena *a = call->req->arena;
    int64_t count, offset;
    Song *songs = NULL;
    size_t n = 0;
    int r = subsonic_search_page(call, "song", &count, &offset);
    if (r < 0)
        return r;
    if (q) {
        const char **ids;
        size_t k;
        if ((r = subsonic_search_ids(call, scope, q, LIBRARY_SEARCH_SONG, count, offset, &ids,
                                     &k)) < 0 ||
            (k && (r = library_song_by_ids_scoped(call->conn, a, scope, ids, k, &songs, &n)) < 0))
            return r;
    } else if (count > 0) {
        SongFilter f = {0};
        if ((r = library_song_filter(call->conn, a, scope, &f, offset, (int)count, &songs, &n)) < 0)
            return r;
    }
    return subsonic_items_songs(call, list, "song", songs, n, NULL);
}

static int subsonic_search_as(SubsonicCall *call, const char *elem, bool id3)
{
    const LibraryScope *scope;
    const char *q = subsonic_param(call, "query");
    if (!q && !id3)
        return subsonic_fail(call, SUBSONIC_ERR_MISSING, "Required parameter is missing: query");
    if (subsonic_search_everything(q))
        q = NULL;
    SubsonicNode *list = subsonic_child(call->root, elem);
    int r = subsonic_items_folder_scope(call, &scope);
    if (r < 0 || (r = subsonic_search_artists(call, list, q, scope)) < 0 ||
        (r = subsonic_search_albums(call, list, q, scope, id3)) < 0)
        return r;
    return subsonic_search_songs(call, list, q, scope);
}

int subsonic_search_search2(SubsonicCall *call)
{
    return subsonic_search_as(call, "searchResult2", false);
}

int subsonic_search_search3(SubsonicCall *call)
{
    return subsonic_search_as(call, "searchResult3", true);
}
