/*
 * api_routes.c - every endpoint of the server, one line each, with who may call it
 * (api_auth.h: API_PUBLIC, API_USER, API_ADMIN); api_auth_guard() enforces it.
 */
#include "api/api_routes.h"

#include "api/api_auth.h"
#include "api/native/native_browse.h"
#include "api/native/native_covers.h"
#include "api/native/native_health.h"
#include "api/native/native_scan.h"
#include "api/native/native_search.h"
#include "api/native/native_songs.h"

static const HttpRoute api_route_table[] = {
    {"GET", "/health", native_health_get, API_PUBLIC},
    {"GET", "/api/scan", native_scan_get, API_USER},
    {"POST", "/api/scan", native_scan_post, API_ADMIN},
    {"GET", "/api/songs", native_songs_list, API_USER},
    {"GET", "/api/songs/{id}", native_songs_get, API_USER},
    {"GET", "/api/songs/{id}/stream", native_songs_stream, API_USER},
    {"GET", "/api/songs/{id}/lyrics", native_songs_lyrics, API_USER},
    {"GET", "/api/artists", native_browse_artists, API_USER},
    {"GET", "/api/artists/{id}", native_browse_artist, API_USER},
    {"GET", "/api/albums", native_browse_albums, API_USER},
    {"GET", "/api/albums/{id}", native_browse_album, API_USER},
    {"GET", "/api/genres", native_browse_genres, API_USER},
    {"GET", "/api/years", native_browse_years, API_USER},
    {"GET", "/api/folders", native_browse_folders, API_USER},
    {"GET", "/api/folders/{id}", native_browse_folder, API_USER},
    {"GET", "/api/search", native_search_get, API_USER},
    {"GET", "/api/covers/{id}", native_covers_get, API_USER},
};

const HttpRoute *api_routes(size_t *ret_count)
{
    *ret_count = sizeof(api_route_table) / sizeof(api_route_table[0]);
    return api_route_table;
}
