/*
 * http_router.c - route table compiled once into segment lists; matching walks the table.
 *
 * Each pattern becomes a list of segments (literal, {placeholder}, or a final "*"). Among
 * the routes that match a path and a method, the most specific wins: compared segment by
 * segment, literal < placeholder < wildcard; ties go to the earlier route. The table is a
 * few hundred routes at most, so a linear walk costs less than building a trie.
 */
#include "http/http_router.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ROUTER_MAX_SEGMENTS 32

typedef enum { SEG_LITERAL = 0, SEG_PARAM = 1, SEG_REST = 2 } SegKind;

typedef struct RouterSeg {
    SegKind kind;
    const char *lit; /* borrowed from the pattern */
    size_t len;
} RouterSeg;

typedef struct RouterEntry {
    const HttpRoute *route;
    const HttpRouteBody *body; /* NULL: the default body policy */
    int n_segs;
    int n_params;
    RouterSeg segs[ROUTER_MAX_SEGMENTS];
} RouterEntry;

struct HttpRouter {
    size_t n;
    RouterEntry *entries;
};

static bool router_name_ok(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

static int router_compile(const HttpRoute *route, RouterEntry *ret_entry)
{
    RouterEntry e = {.route = route};
    const char *p = route->pattern;
    if (!route->method || !route->handler || !p || p[0] != '/')
        return -EINVAL;
    p++;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (e.n_segs >= ROUTER_MAX_SEGMENTS)
            return -EINVAL;
        RouterSeg *seg = &e.segs[e.n_segs++];
        seg->lit = p;
        seg->len = len;
        if (len == 1 && p[0] == '*') {
            if (slash)
                return -EINVAL; /* "*" only as the last segment */
            seg->kind = SEG_REST;
            e.n_params++;
        } else if (len >= 2 && p[0] == '{' && p[len - 1] == '}') {
            if (!router_name_ok(p + 1, len - 2))
                return -EINVAL;
            seg->kind = SEG_PARAM;
            e.n_params++;
        } else {
            if (memchr(p, '{', len) || memchr(p, '}', len) || memchr(p, '*', len))
                return -EINVAL;
            seg->kind = SEG_LITERAL;
        }
        if (!slash)
            break;
        p = slash + 1;
    }
    if (e.n_params > LIMIT_HTTP_ROUTE_PARAMS)
        return -EINVAL;
    *ret_entry = e;
    return 0;
}

int http_router_new(const HttpRoute *routes, size_t n, HttpRouter **ret_router)
{
    int rc = -ENOMEM;
    HttpRouter *r = calloc(1, sizeof(*r));
    if (!r)
        goto out;
    r->entries = calloc(n ? n : 1, sizeof(*r->entries));
    if (!r->entries)
        goto out_free_router;
    for (size_t i = 0; i < n; i++) {
        rc = router_compile(&routes[i], &r->entries[i]);
        if (rc < 0)
            goto out_free_entries;
    }
    r->n = n;
    *ret_router = r;
    return 0;

out_free_entries:
    free(r->entries);
out_free_router:
    free(r);
out:
    return rc;
}

void http_router_free(HttpRouter *router)
{
    if (!router)
        return;
    free(router->entries);
    free(router);
}

static RouterEntry *router_find(const HttpRouter *router, const char *method, const char *pattern)
{
    for (size_t i = 0; i < router->n; i++) {
        const HttpRoute *r = router->entries[i].route;
        if (strcmp(r->method, method) == 0 && strcmp(r->pattern, pattern) == 0)
            return &router->entries[i];
    }
    return NULL;
}

int http_router_set_bodies(HttpRouter *router, const HttpRouteBody *bodies, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!bodies[i].method || !bodies[i].pattern ||
            !router_find(router, bodies[i].method, bodies[i].pattern))
            return -EINVAL;
    for (size_t i = 0; i < n; i++)
        router_find(router, bodies[i].method, bodies[i].pattern)->body = &bodies[i];
    return 0;
}

const HttpRouteBody *http_router_body(const HttpRouter *router, const HttpRoute *route)
{
    for (size_t i = 0; i < router->n; i++)
        if (router->entries[i].route == route)
            return router->entries[i].body;
    return NULL;
}

/* A request path cut into its segments once, so that each route compares lengths and bytes
 * instead of searching for slashes again. More than ROUTER_MAX_SEGMENTS segments are counted
 * (n) but not kept: only a "*" route can match such a path. */
typedef struct RouterPath {
    int n;
    RouterSeg segs[ROUTER_MAX_SEGMENTS];
} RouterPath;

static void router_split(const char *path, RouterPath *ret)
{
    const char *p = path + 1;
    ret->n = 0;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (ret->n < ROUTER_MAX_SEGMENTS)
            ret->segs[ret->n] = (RouterSeg){.kind = SEG_LITERAL, .lit = p, .len = len};
        ret->n++;
        if (!slash)
            return;
        p = slash + 1;
    }
}

/* True if entry matches the whole path. A last "*" segment matches any rest, even an empty
 * one, after the slash before it: "/a/" and "/a/b/c" match the pattern "/a" + "/" + "*", "/a"
 * does not. */
static bool router_path_matches(const RouterEntry *e, const RouterPath *path)
{
    bool rest = e->segs[e->n_segs - 1].kind == SEG_REST;
    int fixed = rest ? e->n_segs - 1 : e->n_segs;
    if (rest ? path->n < e->n_segs : path->n != e->n_segs)
        return false;
    for (int i = 0; i < fixed; i++) {
        const RouterSeg *seg = &e->segs[i], *got = &path->segs[i];
        if (seg->kind == SEG_LITERAL) {
            if (got->len != seg->len || memcmp(got->lit, seg->lit, seg->len) != 0)
                return false;
        } else if (got->len == 0) {
            return false;
        }
    }
    return true;
}

static bool router_method_matches(const HttpRoute *route, const char *method)
{
    if (strcmp(route->method, "*") == 0 || strcmp(route->method, method) == 0)
        return true;
    return strcmp(method, "HEAD") == 0 && strcmp(route->method, "GET") == 0;
}

/* Negative when a is more specific than b. */
static int router_compare(const RouterEntry *a, const RouterEntry *b)
{
    int n = a->n_segs < b->n_segs ? a->n_segs : b->n_segs;
    for (int i = 0; i < n; i++) {
        if (a->segs[i].kind != b->segs[i].kind)
            return (int)a->segs[i].kind - (int)b->segs[i].kind;
    }
    return 0;
}

/* Writes the placeholder values of `e` for `path` into scratch and ret_params. */
static int router_extract(const RouterEntry *e, const char *path, char *scratch,
                          const char **ret_params)
{
    size_t len = strlen(path);
    memcpy(scratch, path, len + 1);
    char *p = scratch + 1;
    int count = 0;
    for (int i = 0; i < e->n_segs; i++) {
        const RouterSeg *seg = &e->segs[i];
        if (seg->kind == SEG_REST) {
            ret_params[count++] = p;
            break;
        }
        char *slash = strchr(p, '/');
        if (seg->kind == SEG_PARAM) {
            ret_params[count++] = p;
            if (slash)
                *slash = '\0';
        }
        if (!slash)
            break;
        p = slash + 1;
    }
    return count;
}

const HttpRoute *http_router_match(const HttpRouter *router, const char *method, const char *path,
                                   char *scratch, const char **ret_params, int *ret_count,
                                   bool *ret_path_known)
{
    const RouterEntry *best = NULL;
    bool path_known = false;
    if (path && path[0] == '/') {
        RouterPath split;
        router_split(path, &split);
        for (size_t i = 0; i < router->n; i++) {
            const RouterEntry *e = &router->entries[i];
            if (!router_path_matches(e, &split))
                continue;
            if (!router_method_matches(e->route, method)) {
                path_known = true;
                continue;
            }
            if (!best || router_compare(e, best) < 0)
                best = e;
        }
    }
    if (!best) {
        *ret_path_known = path_known;
        return NULL;
    }
    *ret_count = router_extract(best, path, scratch, ret_params);
    return best->route;
}
