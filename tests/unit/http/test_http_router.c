/*
 * test_http_router.c - route precedence, placeholders, methods, bad patterns, hostile paths.
 */
#include "core/limits.h"
#include "http/http_router.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int h_a(HttpRequest *req, HttpResponse *res)
{
    (void)req;
    (void)res;
    return 0;
}

static const HttpRoute routes[] = {
    {"GET", "/", h_a, 0},                           /* 0 */
    {"GET", "/api/songs", h_a, 0},                  /* 1 */
    {"POST", "/api/songs", h_a, 0},                 /* 2 */
    {"GET", "/api/songs/{id}", h_a, 0},             /* 3 */
    {"GET", "/api/songs/recent", h_a, 0},           /* 4 */
    {"GET", "/api/songs/{id}/stream", h_a, 0},      /* 5 */
    {"DELETE", "/api/songs/{id}", h_a, 0},          /* 6 */
    {"GET", "/api/{kind}/{id}/art/{size}", h_a, 0}, /* 7 */
    {"GET", "/static/*", h_a, 0},                   /* 8 */
    {"GET", "/static/{file}", h_a, 0},              /* 9 */
    {"*", "/rest/ping", h_a, 0},                    /* 10 */
    {"GET", "/api/a/{b}/c", h_a, 0},                /* 11 */
    {"GET", "/api/a/b/{c}", h_a, 0},                /* 12 */
    {"PUT", "/api/users/{id}/", h_a, 0},            /* 13 */
    {"GET", "/a/{w}/{x}/{y}/{z}", h_a, 0},          /* 14 */
    {"HEAD", "/only-head", h_a, 0},                 /* 15 */
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

typedef struct MatchCase {
    const char *method;
    const char *path;
    int want;           /* route index, or -1 (404) / -2 (405) */
    const char *params; /* "a|b" */
} MatchCase;

static const MatchCase match_cases[] = {
    {"GET", "/", 0, ""},
    {"GET", "", -1, NULL},
    {"GET", "api/songs", -1, NULL},
    {"GET", "/api/songs", 1, ""},
    {"POST", "/api/songs", 2, ""},
    {"PUT", "/api/songs", -2, NULL},
    {"HEAD", "/api/songs", 1, ""},
    {"get", "/api/songs", -2, NULL},  /* methods are case-sensitive */
    {"GET", "/api/songs/", -1, NULL}, /* trailing slash is another path */
    {"GET", "/api/songs//", -1, NULL},
    {"GET", "/api/songs/42", 3, "42"},
    {"GET", "/api/songs/recent", 4, ""}, /* literal beats placeholder */
    {"DELETE", "/api/songs/recent", 6, "recent"},
    {"POST", "/api/songs/42", -2, NULL},
    {"GET", "/api/songs/42/stream", 5, "42"},
    {"GET", "/api/songs/42/stream/", -1, NULL},
    {"GET", "/api/songs//stream", -1, NULL}, /* placeholder needs a non-empty segment */
    {"GET", "/api/songs/../stream", 5, ".."},
    {"GET", "/api/songs/%2e%2e", 3, "%2e%2e"}, /* no decoding here */
    {"GET", "/api/songs/a b", 3, "a b"},
    {"GET", "/api/albums/7/art/300", 7, "albums|7|300"},
    {"GET", "/api/songs/7/art/300", 7, "songs|7|300"},
    {"GET", "/static/app.js", 9, "app.js"}, /* placeholder beats rest */
    {"GET", "/static/js/app.js", 8, "js/app.js"},
    {"GET", "/static/", 8, ""},
    {"GET", "/static", -1, NULL},
    {"GET", "/rest/ping", 10, ""},
    {"PROPFIND", "/rest/ping", 10, ""},
    {"GET", "/rest/ping/", -1, NULL},
    {"GET", "/api/a/b/c", 12, "c"}, /* leftmost literal wins */
    {"GET", "/api/a/x/c", 11, "x"},
    {"PUT", "/api/users/9/", 13, "9"},
    {"PUT", "/api/users/9", -1, NULL},
    {"GET", "/a/1/2/3/4", 14, "1|2|3|4"},
    {"GET", "/a/1/2/3/4/5", -1, NULL},
    {"GET", "/a/1/2/3", -1, NULL},
    {"HEAD", "/only-head", 15, ""},
    {"GET", "/only-head", -2, NULL},
    {"GET", "//", -1, NULL},
    {"GET", "/api/songs\n", -1, NULL},
    /* More segments than a pattern may have: only the rest route can take them. */
    {"GET",
     "/static/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20/21/22/23/24/25/26/27/28/29/30/31/"
     "32/33",
     8,
     "1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20/21/22/23/24/25/26/27/28/29/30/31/32/33"},
    {"GET",
     "/api/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20/21/22/23/24/25/26/27/28/29/30/31/32/"
     "33",
     -1, NULL},
};

static void test_router_table(void **state)
{
    (void)state;
    HttpRouter *r = NULL;
    assert_int_equal(http_router_new(routes, N_ROUTES, &r), 0);
    for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
        const MatchCase *c = &match_cases[i];
        char *scratch = malloc(strlen(c->path) + 1);
        const char *params[LIMIT_HTTP_ROUTE_PARAMS] = {0};
        int count = -7;
        bool known = true;
        const HttpRoute *got =
            http_router_match(r, c->method, c->path, scratch, params, &count, &known);
        if (c->want >= 0) {
            if (got != &routes[c->want])
                fail_msg("case %zu %s %s: got route %ld want %d", i, c->method, c->path,
                         got ? (long)(got - routes) : -1L, c->want);
            char out[256] = "";
            size_t o = 0;
            for (int k = 0; k < count; k++)
                o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", k ? "|" : "", params[k]);
            if (strcmp(out, c->params) != 0)
                fail_msg("case %zu %s: params \"%s\" want \"%s\"", i, c->path, out, c->params);
        } else {
            if (got)
                fail_msg("case %zu %s %s: matched route %ld", i, c->method, c->path,
                         (long)(got - routes));
            assert_int_equal(count, -7);
            if (known != (c->want == -2))
                fail_msg("case %zu %s %s: path_known %d", i, c->method, c->path, known);
        }
        free(scratch);
    }
    http_router_free(r);
}

static void test_router_bad_patterns(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "api",
        "/api/{}",
        "/api/{id",
        "/api/id}",
        "/api/{i d}",
        "/api/*/x",
        "/api/x*",
        "/api/{a}{b}",
        "/{a}/{b}/{c}/{d}/{e}",
        "/{a}/{b}/{c}/{d}/*",
        "/api/{a-b}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        HttpRoute one = {"GET", bad[i], h_a, 0};
        HttpRouter *r = (HttpRouter *)0x1;
        if (http_router_new(&one, 1, &r) != -EINVAL)
            fail_msg("pattern \"%s\" accepted", bad[i]);
        assert_ptr_equal(r, (HttpRouter *)0x1);
    }
    HttpRoute no_handler = {"GET", "/x", NULL, 0};
    HttpRouter *r = NULL;
    assert_int_equal(http_router_new(&no_handler, 1, &r), -EINVAL);
    /* 33 segments is too many */
    char deep[128];
    for (int i = 0; i < 33; i++)
        memcpy(deep + 2 * i, "/a", 2);
    deep[66] = '\0';
    HttpRoute d = {"GET", deep, h_a, 0};
    assert_int_equal(http_router_new(&d, 1, &r), -EINVAL);
}

static void test_router_empty_and_long(void **state)
{
    (void)state;
    HttpRouter *r = NULL;
    assert_int_equal(http_router_new(NULL, 0, &r), 0);
    char scratch[8];
    const char *params[LIMIT_HTTP_ROUTE_PARAMS];
    int count = 0;
    bool known = true;
    assert_null(http_router_match(r, "GET", "/", scratch, params, &count, &known));
    assert_false(known);
    http_router_free(r);
    http_router_free(NULL);

    /* a very long path with many segments against a rest route */
    HttpRoute rest = {"GET", "/f/*", h_a, 0};
    assert_int_equal(http_router_new(&rest, 1, &r), 0);
    size_t n = LIMIT_HTTP_URL_BYTES;
    char *path = malloc(n + 1);
    char *big_scratch = malloc(n + 1);
    memset(path, '/', n);
    path[0] = '/';
    path[1] = 'f';
    path[n] = '\0';
    assert_non_null(http_router_match(r, "GET", path, big_scratch, params, &count, &known));
    assert_int_equal(count, 1);
    assert_int_equal(strlen(params[0]), n - 3);
    free(path);
    free(big_scratch);
    http_router_free(r);
}

static void test_router_bodies(void **state)
{
    (void)state;
    HttpRouter *r = NULL;
    assert_int_equal(http_router_new(routes, N_ROUTES, &r), 0);
    static const HttpRouteBody good[] = {{"GET", "/api/songs", 10, NULL}};
    static const HttpRouteBody bad[] = {{"GET", "/api/songs", 20, NULL},
                                        {"PUT", "/api/nothing", 30, NULL}};
    /* A table naming an unknown (method, pattern) attaches nothing. */
    assert_int_equal(http_router_set_bodies(r, bad, 2), -EINVAL);
    assert_null(http_router_body(r, &routes[0]));
    assert_int_equal(http_router_set_bodies(r, good, 1), 0);
    const HttpRouteBody *b = NULL;
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (strcmp(routes[i].method, "GET") == 0 && strcmp(routes[i].pattern, "/api/songs") == 0)
            b = http_router_body(r, &routes[i]);
        else
            assert_null(http_router_body(r, &routes[i]));
    }
    assert_ptr_equal(b, &good[0]);
    http_router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_router_table),
        cmocka_unit_test(test_router_bad_patterns),
        cmocka_unit_test(test_router_empty_and_long),
        cmocka_unit_test(test_router_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
