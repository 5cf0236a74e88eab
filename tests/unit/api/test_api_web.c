/*
 * test_api_web.c - the web player's fallback on real requests and responses (no socket):
 * reserved prefixes, files with their caching and types, index.html for client routes with
 * its security headers, and no way out of the directory (dot-dot, hidden files, links).
 */
#include "api/api.h"
#include "api/api_web.h"
#include "http/http_internal.h"
#include "http/http_static.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define INDEX_HTML "<!doctype html><title>player</title>"

typedef struct Fixture {
    char root[64]; /* holds dist/ and a secret beside it */
    char dist[96];
    ApiContext ctx;
} Fixture;

typedef struct Exchange {
    Arena *arena;
    HttpRequest req;
    HttpResponse res;
} Exchange;

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    Fixture *fx = calloc(1, sizeof(*fx));
    snprintf(fx->root, sizeof(fx->root), "/tmp/swaz-web-unit-XXXXXX");
    assert_non_null(mkdtemp(fx->root));
    snprintf(fx->dist, sizeof(fx->dist), "%s/dist", fx->root);
    assert_int_equal(mkdir(fx->dist, 0700), 0);
    char assets[128];
    snprintf(assets, sizeof(assets), "%s/assets", fx->dist);
    assert_int_equal(mkdir(assets, 0700), 0);
    write_file(fx->dist, "index.html", INDEX_HTML);
    write_file(assets, "index-1a2b3c.js", "console.log(1);");
    write_file(fx->dist, ".env", "secret");
    write_file(fx->root, "secret.txt", "secret");
    char target[128], link[128];
    snprintf(target, sizeof(target), "%s/secret.txt", fx->root);
    snprintf(link, sizeof(link), "%s/link.txt", fx->dist);
    assert_int_equal(symlink(target, link), 0);
    fx->ctx.web_dir = fx->dist;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fixture *fx = *state;
    char dir[160];
    const char *names[] = {"dist/assets/index-1a2b3c.js", "dist/index.html", "dist/.env",
                           "dist/link.txt", "secret.txt"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[160];
        snprintf(path, sizeof(path), "%s/%s", fx->root, names[i]);
        unlink(path);
    }
    snprintf(dir, sizeof(dir), "%s/dist/assets", fx->root);
    rmdir(dir);
    rmdir(fx->dist);
    rmdir(fx->root);
    free(fx);
    return 0;
}

static Exchange *get(Fixture *fx, const char *method, const char *path)
{
    Exchange *x = calloc(1, sizeof(*x));
    assert_non_null(x);
    x->arena = arena_new(1 << 20);
    x->req.arena = x->arena;
    x->req.method = method;
    x->req.is_head = strcmp(method, "HEAD") == 0;
    x->req.path = path;
    x->req.app = &fx->ctx;
    http_response_init(&x->res, x->arena);
    return x;
}

static void exchange_free(Exchange *x)
{
    http_response_clear(&x->res);
    arena_free(x->arena);
    free(x);
}

static const char *header(const Exchange *x, const char *name)
{
    for (const HttpHeaderLine *h = x->res.headers; h; h = h->next)
        if (strcasecmp(h->name, name) == 0)
            return h->value;
    return NULL;
}

static void test_reserved(void **state)
{
    (void)state;
    const char *reserved[] = {"/api",    "/api/",    "/api/x",   "/rest/ping", "/s",   "/s/abc",
                              "/health", "/health/", "/metrics", "/ws",        "/ws/x"};
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        assert_true(api_web_reserved(reserved[i]));
    const char *player[] = {"/", "/albums", "/apis", "/search", "/settings", "/wsx", "/songs"};
    for (size_t i = 0; i < sizeof(player) / sizeof(player[0]); i++)
        assert_false(api_web_reserved(player[i]));
}

static void test_files_and_index(void **state)
{
    Fixture *fx = *state;
    Exchange *x = get(fx, "GET", "/");
    assert_int_equal(api_web_fallback(&x->req, &x->res), 0);
    assert_int_equal(x->res.status, 200);
    assert_int_equal(x->res.kind, HTTP_BODY_FD);
    assert_int_equal(x->res.length, strlen(INDEX_HTML));
    assert_string_equal(x->res.content_type, "text/html; charset=utf-8");
    assert_string_equal(header(x, "Cache-Control"), HTTP_STATIC_NO_CACHE);
    assert_non_null(strstr(header(x, "Content-Security-Policy"), "script-src 'self'"));
    exchange_free(x);

    x = get(fx, "GET", "/assets/index-1a2b3c.js");
    assert_int_equal(api_web_fallback(&x->req, &x->res), 0);
    assert_string_equal(x->res.content_type, "text/javascript; charset=utf-8");
    assert_string_equal(header(x, "Cache-Control"), HTTP_STATIC_IMMUTABLE);
    assert_null(header(x, "Content-Security-Policy"));
    exchange_free(x);

    const char *routes[] = {"/albums/41ab", "/playlists/new/", "/search"};
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        x = get(fx, "HEAD", routes[i]);
        assert_int_equal(api_web_fallback(&x->req, &x->res), 0);
        assert_int_equal(x->res.length, strlen(INDEX_HTML));
        assert_non_null(header(x, "Content-Security-Policy"));
        exchange_free(x);
    }
}

static void test_refused(void **state)
{
    Fixture *fx = *state;
    const char *paths[] = {"/api/nope",      "/assets/missing-000.js",
                           "/../secret.txt", "/assets/../../secret.txt",
                           "/.env",          "/link.txt",
                           "//etc/passwd",   "/a/./b"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        Exchange *x = get(fx, "GET", paths[i]);
        int rc = api_web_fallback(&x->req, &x->res);
        /* link.txt is a client route once the link is refused: index.html, never the secret */
        if (rc == 0)
            assert_int_equal(x->res.length, strlen(INDEX_HTML));
        else
            assert_int_equal(rc, -ENOENT);
        exchange_free(x);
    }
    Exchange *x = get(fx, "GET", "/x");
    assert_int_equal(http_static_respond(&x->req, &x->res, fx->dist, "link.txt", NULL), -ENOENT);
    assert_int_equal(http_static_respond(&x->req, &x->res, fx->dist, "assets", NULL), -ENOENT);
    assert_int_equal(http_static_respond(&x->req, &x->res, "/nonexistent-dir", "index.html", NULL),
                     -ENOENT);
    exchange_free(x);

    const char *saved = fx->ctx.web_dir;
    fx->ctx.web_dir = "";
    x = get(fx, "GET", "/");
    assert_int_equal(api_web_fallback(&x->req, &x->res), -ENOENT);
    exchange_free(x);
    fx->ctx.web_dir = saved;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reserved),
        cmocka_unit_test_setup_teardown(test_files_and_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
