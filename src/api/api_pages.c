/*
 * api_pages.c - which answers are kept, under which key, and how they are sent again.
 *
 * The key is the route's path, every query parameter as received (length-prefixed, so
 * decoded values holding '&' or '=' cannot collide) but those the caller leaves out, what
 * else the caller says the answer depends on, and the libraries the user may see ("*" for
 * all). Keys longer than LIMIT_PAGE_CACHE_KEY_BYTES are not kept.
 */
#include "api/api_pages.h"

#include "api/api.h"
#include "api/api_auth.h"
#include "auth/auth_principal.h"
#include "cache/cache_pages.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/metrics.h"
#include "db/db.h"
#include "http/http_gzip.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Gzip level of kept pages: compressed once, sent many times. libdeflate on a page of 100
 * songs (112 KB): level 1 10,456 bytes in 0.35 ms, 5 8,453 in 0.42 ms, 6 8,239 in 0.71 ms,
 * 9 7,967 in 2.8 ms. Level 5 takes nearly all of the gain at little more than level 1's cost,
 * which a miss pays on top of rendering. */
#define API_PAGES_GZIP_LEVEL 5

#define API_PAGES_TYPE "application/json"

struct ApiPages {
    CachePages *store;
    HttpGzip *gzip;
};

/* What the guard tells the after hook about a request it may keep. */
typedef struct ApiPagesNote {
    const char *key;  /* Arena-owned */
    int64_t stamp;    /* the library generation read before the handler ran */
    const char *type; /* the only content type kept; NULL: any (api_pages_answer()) */
} ApiPagesNote;

/* /api/albums keeps the lists that are the same for everyone: not random, and none of the
 * per-user ones. */
static bool api_pages_albums_ok(const HttpRequest *req)
{
    static const char *const kept[] = {"alpha_name",   "alphabeticalByName",
                                       "alpha_artist", "alphabeticalByArtist",
                                       "newest",       "year",
                                       "byYear",       "genre",
                                       "byGenre"};
    const char *list = http_request_query(req, "list");
    if (!list || !*list)
        return true;
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        if (strcmp(list, kept[i]) == 0)
            return true;
    }
    return false;
}

/* The routes whose answers depend on the library, the query and the user's libraries only. */
static const struct {
    const char *pattern;
    bool (*ok)(const HttpRequest *req); /* NULL: every request of the route */
} api_pages_routes[] = {
    {"/api/songs", NULL},
    {"/api/songs/{id}", NULL},
    {"/api/artists", NULL},
    {"/api/artists/{id}", NULL},
    {"/api/albums", api_pages_albums_ok},
    {"/api/albums/{id}", NULL},
    {"/api/genres", NULL},
    {"/api/years", NULL},
    {"/api/folders", NULL},
    {"/api/folders/{id}", NULL},
    {"/api/search", NULL},
};

static bool api_pages_cacheable(const HttpRequest *req, const HttpRoute *route)
{
    if (strcmp(req->method, "GET") != 0 && !req->is_head)
        return false;
    for (size_t i = 0; i < sizeof(api_pages_routes) / sizeof(api_pages_routes[0]); i++) {
        if (strcmp(route->pattern, api_pages_routes[i].pattern) == 0)
            return !api_pages_routes[i].ok || api_pages_routes[i].ok(req);
    }
    return false;
}

static bool api_pages_skipped(const char *key, const char *const *skip)
{
    for (size_t i = 0; skip && skip[i]; i++) {
        if (strcmp(key, skip[i]) == 0)
            return true;
    }
    return false;
}

char *api_pages_key(HttpRequest *req, const HttpParam *params, size_t n, const char *const *skip,
                    const char *extra)
{
    const Principal *who = api_auth_principal(req);
    Buf b;
    buf_init(&b, LIMIT_PAGE_CACHE_KEY_BYTES);
    int r = buf_append_str(&b, req->path);
    for (size_t i = 0; r == 0 && i < n; i++) {
        const HttpParam *q = &params[i];
        if (!api_pages_skipped(q->key, skip))
            r = buf_printf(&b, "\n%zu:%s=%zu:%s", strlen(q->key), q->key, strlen(q->value),
                           q->value);
    }
    if (r == 0 && extra)
        r = buf_printf(&b, "\n+%s", extra);
    if (r == 0)
        r = buf_append_str(&b, who && !who->all_libraries ? "\n@" : "\n@*");
    for (size_t i = 0; r == 0 && who && !who->all_libraries && i < who->n_library_ids; i++)
        r = buf_printf(&b, "%s%" PRId64, i ? "," : "", who->library_ids[i]);
    char *key = r == 0 ? arena_strndup(req->arena, b.data, b.len) : NULL;
    buf_free(&b);
    return key;
}

static void api_pages_release(void *page)
{
    cache_page_unref(page);
}

static void api_pages_gauges(ApiPages *ap)
{
    size_t pages, bytes;
    cache_pages_usage(ap->store, &pages, &bytes);
    metrics_set(METRICS_PAGES_COUNT, (int64_t)pages);
    metrics_set(METRICS_PAGES_BYTES, (int64_t)bytes);
}

static void api_pages_free_body(void *body)
{
    free(body);
}

/* Answers with `page`, taking the caller's reference. A gzip page goes as it is to a client
 * that takes gzip and is inflated for one that does not. Returns 0 or a negative error. */
static int api_pages_send(HttpRequest *req, HttpResponse *res, CachePage *page)
{
    int r = http_response_header(res, "Cache-Control", "no-store");
    if (r < 0) {
        cache_page_unref(page);
        return r;
    }
    http_response_status(res, 200);
    size_t len;
    const void *body = cache_page_body(page, &len);
    const char *type = cache_page_type(page);
    if (!cache_page_encoding(page))
        return http_response_body_ref(res, type, body, len, api_pages_release, page);
    if (http_gzip_accepted(req))
        return http_response_body_gzip(res, type, body, len, api_pages_release, page);
    void *plain;
    size_t plain_len;
    r = http_gzip_inflate(body, len, LIMIT_PAGE_CACHE_BODY_BYTES, &plain, &plain_len);
    cache_page_unref(page);
    if (r < 0)
        return r;
    return http_response_body_ref(res, type, plain, plain_len, api_pages_free_body, plain);
}

int api_pages_new(size_t max_bytes, unsigned threads, ApiPages **ret_pages)
{
    if (max_bytes == 0)
        return -EINVAL;
    ApiPages *ap = calloc(1, sizeof(*ap));
    if (!ap)
        return -ENOMEM;
    int r = http_gzip_new(API_PAGES_GZIP_LEVEL, threads, &ap->gzip);
    if (r == 0 && !(ap->store = cache_pages_new(max_bytes)))
        r = -ENOMEM;
    if (r < 0) {
        api_pages_free(ap);
        return r;
    }
    *ret_pages = ap;
    return 0;
}

void api_pages_free(ApiPages *pages)
{
    if (!pages)
        return;
    cache_pages_free(pages->store);
    http_gzip_free(pages->gzip);
    free(pages);
}

/* Answers from the page kept under `key` (1), else notes the request for the after hook,
 * which keeps answers of `type` only (NULL: any) (0). A negative error when sending failed. */
static int api_pages_lookup(HttpRequest *req, HttpResponse *res, DbConn *conn, const char *key,
                            const char *type)
{
    const ApiContext *ctx = req->app;
    ApiPages *ap = ctx->pages;
    req->note = NULL;
    int64_t stamp;
    if (!ap || !key || db_generation_get(ctx->db, conn, DB_GENERATION_LIBRARY, &stamp) < 0)
        return 0; /* rendered as if there were no cache */
    CachePage *page;
    if (cache_pages_get(ap->store, key, stamp, &page) == 0) {
        metrics_inc(METRICS_PAGES_HITS);
        int r = api_pages_send(req, res, page);
        return r < 0 ? r : 1;
    }
    metrics_inc(METRICS_PAGES_MISSES);
    ApiPagesNote *note = arena_alloc(req->arena, sizeof(*note));
    if (note) {
        note->key = key;
        note->stamp = stamp;
        note->type = type;
        req->note = note;
    }
    return 0;
}

int api_pages_guard(HttpRequest *req, HttpResponse *res, const HttpRoute *route)
{
    int r = api_auth_guard(req, res, route);
    const ApiContext *ctx = req->app;
    req->note = NULL;
    if (r != 0 || !ctx->pages || !api_pages_cacheable(req, route))
        return r;
    char *key = api_pages_key(req, req->query.items, req->query.count, NULL, NULL);
    return api_pages_lookup(req, res, NULL, key, API_PAGES_TYPE);
}

int api_pages_quick(HttpRequest *req, HttpResponse *res, const HttpRoute *route)
{
    const ApiContext *ctx = req->app;
    ApiPages *ap = ctx->pages;
    if (!ap || !api_pages_cacheable(req, route) || api_auth_quick(req, route) != 1)
        return 0;
    char *key = api_pages_key(req, req->query.items, req->query.count, NULL, NULL);
    int64_t stamp;
    CachePage *page;
    if (!key || db_generation_peek(ctx->db, DB_GENERATION_LIBRARY, &stamp) < 0 ||
        cache_pages_get(ap->store, key, stamp, &page) < 0) {
        req->user = NULL; /* the guard decides again, on a worker */
        return 0;
    }
    metrics_inc(METRICS_PAGES_HITS);
    int r = api_pages_send(req, res, page);
    return r < 0 ? r : 1;
}

int api_pages_answer(HttpRequest *req, HttpResponse *res, DbConn *conn, const char *key)
{
    return api_pages_lookup(req, res, conn, key, NULL);
}

void api_pages_drop(HttpRequest *req)
{
    req->note = NULL;
}

void api_pages_after(HttpRequest *req, HttpResponse *res, const HttpRoute *route)
{
    (void)route;
    const ApiContext *ctx = req->app;
    const ApiPagesNote *note = req->note;
    const void *data;
    size_t len;
    const char *type;
    if (!note || !ctx->pages || http_response_get_status(res) != 200 ||
        !http_response_memory(res, &data, &len, &type) || !type ||
        (note->type && strcmp(type, note->type) != 0) ||
        http_response_has_header(res, "Content-Encoding") || len > LIMIT_PAGE_CACHE_BODY_BYTES)
        return;
    /* Kept in gzip form only (about a tenth of the bytes), made once at a thorough level. */
    void *gz = NULL;
    size_t gz_len = 0;
    if (len >= HTTP_GZIP_MIN_BYTES)
        (void)http_gzip_compress(ctx->pages->gzip, data, len, &gz, &gz_len);
    CachePage *page;
    int r = cache_pages_put(ctx->pages->store, note->key, note->stamp, type, gz ? "gzip" : NULL,
                            gz ? gz : data, gz ? gz_len : len, &page);
    free(gz);
    api_pages_gauges(ctx->pages);
    if (r < 0)
        return;
    if (cache_page_encoding(page) && http_gzip_accepted(req)) {
        size_t n;
        const void *body = cache_page_body(page, &n);
        /* On failure the identity body stays, and the page reference is dropped. */
        (void)http_response_body_gzip(res, type, body, n, api_pages_release, page);
        return;
    }
    cache_page_unref(page);
}
