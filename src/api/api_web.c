/*
 * api_web.c - serving the built web player and its index fallback.
 *
 * Vite writes content-hashed bundles under assets/; a changed file gets a new name, so
 * those may be cached for a year. index.html and the unhashed files (icons, manifest) are
 * revalidated on every load (ETag, 304) so a new release is picked up at once.
 */
#include "api/api_web.h"

#include "api/api.h"
#include "core/limits.h"
#include "http/http_static.h"

#include <errno.h>
#include <string.h>

#define API_WEB_ASSETS "assets/"
#define API_WEB_INDEX  "index.html"

/* The player loads only its own scripts, styles, covers and streams; style attributes (set
 * by components) need 'unsafe-inline' in style-src. No framing, no plugins. */
#define API_WEB_CSP                                                                                \
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "                    \
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "                     \
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

static const char *const api_web_reserved_roots[] = {"api", "rest", "s", "health", "metrics", "ws"};

bool api_web_reserved(const char *path)
{
    const char *p = path[0] == '/' ? path + 1 : path;
    for (size_t i = 0; i < sizeof(api_web_reserved_roots) / sizeof(api_web_reserved_roots[0]);
         i++) {
        size_t n = strlen(api_web_reserved_roots[i]);
        if (strncmp(p, api_web_reserved_roots[i], n) == 0 && (p[n] == '\0' || p[n] == '/'))
            return true;
    }
    return false;
}

/* Headers for the player's HTML page. Returns 0 or -ENOMEM. */
static int api_web_page_headers(HttpResponse *res)
{
    int rc = http_response_header(res, "Content-Security-Policy", API_WEB_CSP);
    if (rc == 0)
        rc = http_response_header(res, "Referrer-Policy", "same-origin");
    return rc;
}

int api_web_fallback(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    if (!ctx || !ctx->web_dir || !ctx->web_dir[0] || api_web_reserved(req->path))
        return -ENOENT;
    const char *rel = req->path[0] == '/' ? req->path + 1 : req->path;
    if (rel[0] == '\0')
        rel = API_WEB_INDEX;
    size_t len = strnlen(rel, LIMIT_STATIC_PATH_BYTES + 1);
    if (len > LIMIT_STATIC_PATH_BYTES)
        return -ENOENT;
    char clean[LIMIT_STATIC_PATH_BYTES + 1]; /* rel without trailing slashes ("albums/") */
    memcpy(clean, rel, len + 1);
    while (len > 1 && clean[len - 1] == '/')
        clean[--len] = '\0';
    if (!http_static_path_ok(clean))
        return -ENOENT; /* "..", hidden files, ...: no client route looks like that */
    bool hashed = strncmp(rel, API_WEB_ASSETS, strlen(API_WEB_ASSETS)) == 0;
    int rc = http_static_respond(req, res, ctx->web_dir, rel,
                                 hashed ? HTTP_STATIC_IMMUTABLE : HTTP_STATIC_NO_CACHE);
    if (rc == 0 && strcmp(http_static_type(rel), http_static_type(API_WEB_INDEX)) == 0)
        return api_web_page_headers(res); /* index.html asked for by name, or another page */
    if (rc != -ENOENT || hashed)
        return rc; /* a missing bundle stays a 404: HTML in place of a script helps no one */
    if ((rc = http_static_respond(req, res, ctx->web_dir, API_WEB_INDEX, HTTP_STATIC_NO_CACHE)) < 0)
        return rc;
    return api_web_page_headers(res);
}
