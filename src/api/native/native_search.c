/* native_search.c - the search endpoint: ids from library_search(), objects written as text by
 * the browse and song row writers. */
#include "api/native/native_search.h"

#include "api/api.h"
#include "api/api_error.h"
#include "api/native/native_users.h"
#include "api/api_json.h"
#include "api/api_request.h"
#include "api/native/native_browse.h"
#include "api/native/native_songs.h"
#include "core/err.h"
#include "core/limits.h"
#include "library/library_search.h"

#include <string.h>

#define NATIVE_SEARCH_LIMIT_DEFAULT 20

static const struct {
    const char *type;
    const char *group;
    LibrarySearchKind kind;
} native_search_groups[] = {
    {"artist", "artists", LIBRARY_SEARCH_ARTIST},
    {"album", "albums", LIBRARY_SEARCH_ALBUM},
    {"song", "songs", LIBRARY_SEARCH_SONG},
};

/* Searches one kind and writes the objects, best first, as the array `group` of `w`. */
static int native_search_group(HttpRequest *req, DbConn *conn, DbKind backend, const char *q,
                               LibrarySearchKind kind, int limit, const char *group, ApiJson *w)
{
    const char **ids;
    size_t n;
    const LibraryScope *scope = native_users_scope(req);
    int r = library_search_scoped(conn, backend, req->arena, scope, q, kind, limit, &ids, &n);
    if (r < 0)
        return r;
    api_json_array(w, group);
    if (kind == LIBRARY_SEARCH_ARTIST) {
        Artist *items;
        size_t count;
        if ((r = library_browse_artists_by_id_scoped(conn, req->arena, scope, ids, n, &items,
                                                     &count)) < 0)
            return r;
        for (size_t i = 0; i < count; i++)
            native_browse_write_artist(w, &items[i]);
    } else if (kind == LIBRARY_SEARCH_ALBUM) {
        Album *items;
        size_t count;
        if ((r = library_browse_albums_by_id_scoped(conn, req->arena, scope, ids, n, &items,
                                                    &count)) < 0)
            return r;
        for (size_t i = 0; i < count; i++)
            native_browse_write_album(w, &items[i]);
    } else {
        Song *items;
        size_t count;
        if ((r = library_song_by_ids_scoped(conn, req->arena, scope, ids, n, &items, &count)) < 0)
            return r;
        for (size_t i = 0; i < count; i++)
            native_songs_write(w, NULL, &items[i]);
    }
    api_json_end(w);
    return 0;
}

int native_search_get(HttpRequest *req, HttpResponse *res)
{
    const char *q = http_request_query(req, "q");
    if (!q)
        return api_error(req, res, 400, "bad_request", "search needs 'q'");
    if (strlen(q) > LIMIT_SEARCH_QUERY_BYTES)
        return api_error(req, res, 400, "limit_exceeded", "'q' is longer than 256 bytes");
    int limit;
    if (api_query_limit(req, res, NATIVE_SEARCH_LIMIT_DEFAULT, LIBRARY_SEARCH_LIMIT_MAX, &limit) <
        0)
        return 0;
    size_t n_groups = sizeof(native_search_groups) / sizeof(native_search_groups[0]);
    const char *type = http_request_query(req, "type");
    int only = -1;
    if (type && *type) {
        for (size_t i = 0; i < n_groups; i++) {
            if (strcmp(native_search_groups[i].type, type) == 0)
                only = (int)i;
        }
        if (only < 0)
            return api_error(req, res, 400, "bad_request", "type must be artist, album or song");
    }

    const ApiContext *ctx = req->app;
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    int r = 0;
    ApiJson w;
    api_json_text(&w, API_JSON_TEXT_MAX);
    api_json_object(&w, NULL);
    for (size_t i = 0; i < n_groups; i++) {
        if (only >= 0 && (size_t)only != i)
            continue;
        r = native_search_group(req, conn, db_kind(ctx->db), q, native_search_groups[i].kind, limit,
                                native_search_groups[i].group, &w);
        if (r < 0)
            break;
    }
    db_release(conn);
    if (r < 0) {
        api_json_free(&w);
        if (r == ERR_LIMIT)
            return api_error(req, res, 400, "limit_exceeded",
                             "'q' has too many words (8) or a word longer than 64 bytes");
        return api_error_from(req, res, r);
    }
    api_json_end(&w);
    return api_json_send(&w, req, res, 200);
}
