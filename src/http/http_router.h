/*
 * http_router.h - maps (method, path) to a handler through a fixed table of routes.
 *
 * Patterns are literal segments and `{name}` placeholders that match one non-empty path
 * segment ("/api/songs/{id}/stream"); at most LIMIT_HTTP_ROUTE_PARAMS placeholders. A
 * literal segment beats a placeholder, which beats a "*" rest; "/a/" does not match "/a".
 * No percent-decoding here (paths arrive decoded). HEAD matches GET routes. The router is
 * built once at start-up and is read-only afterwards, so any thread may match against it.
 */
#ifndef SWAZ_HTTP_ROUTER_H
#define SWAZ_HTTP_ROUTER_H

#include "http/http_request.h"

#include <stdbool.h>
#include <stddef.h>

/* A handler fills `res` and returns 0, or returns a negative error that the server turns
 * into a plain error response (the api/ layer normally answers its own errors). */
typedef int (*HttpHandler)(HttpRequest *req, HttpResponse *res);

typedef struct HttpRoute {
    const char *method;  /* "GET", "POST", ...; "*" for any method */
    const char *pattern; /* "/api/songs/{id}/stream"; a last segment "*" ("/static/" then
                            "*") matches any rest, possibly empty, handed over as the last
                            placeholder value */
    HttpHandler handler;
    int access; /* meaning left to the application (who may call it); read by its guard */
} HttpRoute;

/* How one route takes its request body, when not as the default (buffered, at most
 * LIMIT_HTTP_BODY_BYTES). Kept beside the route table, named by method and pattern. */
typedef struct HttpRouteBody {
    const char *method;       /* as in the route */
    const char *pattern;      /* as in the route */
    uint64_t max;             /* largest body in bytes (413 past it); 0: LIMIT_HTTP_BODY_BYTES */
    const HttpBodySink *sink; /* non-NULL: the multipart/form-data body is streamed to it as
                                 it arrives (the guard runs first), never buffered */
} HttpRouteBody;

typedef struct HttpRouter HttpRouter;

/* Builds a router over `n` routes (the table is borrowed and must outlive the router).
 * Returns 0, or -EINVAL naming no route (bad pattern, too many placeholders).
 * Caller frees with http_router_free(). */
int http_router_new(const HttpRoute *routes, size_t n, HttpRouter **ret_router);

void http_router_free(HttpRouter *router);

/* Attaches body policies to the routes they name (the table is borrowed and must outlive
 * the router). Call before the router is shared. Returns 0, or -EINVAL when an entry names
 * no route (nothing is attached then). */
int http_router_set_bodies(HttpRouter *router, const HttpRouteBody *bodies, size_t n);

/* Returns the body policy of a route returned by http_router_match(), or NULL (default). */
const HttpRouteBody *http_router_body(const HttpRouter *router, const HttpRoute *route);

/* Matches `method` and the decoded `path`. On a match returns the route and writes the
 * placeholder values (pointers into `scratch`, which must hold strlen(path)+1 bytes) into
 * ret_params[0..*ret_count). On no match returns NULL and sets *ret_path_known when some
 * route has that path with another method (answer 405, else 404). */
const HttpRoute *http_router_match(const HttpRouter *router, const char *method, const char *path,
                                   char *scratch, const char **ret_params, int *ret_count,
                                   bool *ret_path_known);

#endif
