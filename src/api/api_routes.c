/*
 * api_routes.c - every endpoint of the server, one line each. Authentication arrives with
 * the users work; until then only these endpoints exist, and they are open.
 */
#include "api/api_routes.h"

#include "api/native/native_browse.h"
#include "api/native/native_covers.h"
#include "api/native/native_health.h"
#include "api/native/native_scan.h"
#include "api/native/native_search.h"
#include "api/native/native_songs.h"

static const HttpRoute api_route_table[] = {
    {"GET", "/health", native_health_get},
    {"GET", "/api/scan", native_scan_get},
    {"POST", "/api/scan", native_scan_post},
    {"GET", "/api/songs", native_songs_list},
    {"GET", "/api/songs/{id}", native_songs_get},
    {"GET", "/api/songs/{id}/stream", native_songs_stream},
    {"GET", "/api/songs/{id}/lyrics", native_songs_lyrics},
    {"GET", "/api/artists", native_browse_artists},
    {"GET", "/api/artists/{id}", native_browse_artist},
    {"GET", "/api/albums", native_browse_albums},
    {"GET", "/api/albums/{id}", native_browse_album},
    {"GET", "/api/genres", native_browse_genres},
    {"GET", "/api/years", native_browse_years},
    {"GET", "/api/folders", native_browse_folders},
    {"GET", "/api/folders/{id}", native_browse_folder},
    {"GET", "/api/search", native_search_get},
    {"GET", "/api/covers/{id}", native_covers_get},
};

const HttpRoute *api_routes(size_t *ret_count)
{
    *ret_count = sizeof(api_route_table) / sizeof(api_route_table[0]);
    return api_route_table;
}
