/*
 * api_routes.c - every endpoint of the server, one line each. Authentication arrives with
 * the users work; until then only these endpoints exist, and they are open.
 */
#include "api/api_routes.h"

#include "api/native/native_health.h"
#include "api/native/native_songs.h"

static const HttpRoute api_route_table[] = {
    {"GET", "/health", native_health_get},
    {"GET", "/api/songs", native_songs_list},
    {"GET", "/api/songs/{id}", native_songs_get},
    {"GET", "/api/songs/{id}/stream", native_songs_stream},
};

const HttpRoute *api_routes(size_t *ret_count)
{
    *ret_count = sizeof(api_route_table) / sizeof(api_route_table[0]);
    return api_route_table;
}
