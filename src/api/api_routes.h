/*
 * api_routes.h - the table of every endpoint, one line each.
 * Read-only data; any thread.
 */
#ifndef SWAZ_API_ROUTES_H
#define SWAZ_API_ROUTES_H

#include "http/http_router.h"

#include <stddef.h>

/* Returns the route table (static) and writes its length to *ret_count. */
const HttpRoute *api_routes(size_t *ret_count);

/* Returns the body policies of the routes that stream or take larger bodies (static; for
 * http_router_set_bodies()) and writes their number to *ret_count. */
const HttpRouteBody *api_route_bodies(size_t *ret_count);

#endif
