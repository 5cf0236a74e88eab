/*
 * test_api_request.c - the request chores of the native handlers on real requests and
 * responses (no socket): ?limit= and ?after= parsing with its 400s, JSON object bodies,
 * paged answers, and borrowing a database connection. (The 503 of an exhausted pool takes
 * db.c's 10 s wait; the black-box health test covers an unreachable database.)
 */
#include "api/api.h"
#include "api/api_request.h"
#include "core/err.h"
#include "http/http_internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct Exchange {
    Arena *arena;
    HttpRequest req;
    HttpResponse res;
} Exchange;

static Exchange *exchange_new(const char *query, const char *body)
{
    Exchange *x = calloc(1, sizeof(*x));
    assert_non_null(x);
    x->arena = arena_new(1 << 20);
    x->req.arena = x->arena;
    x->req.method = body ? "POST" : "GET";
    x->req.path = "/api/test";
    if (query)
        assert_int_equal(http_query_parse(x->arena, query, strlen(query), &x->req.query), 0);
    if (body) {
        x->req.body = body;
        x->req.body_len = strlen(body);
    }
    http_response_init(&x->res, x->arena);
    return x;
}

static void exchange_free(Exchange *x)
{
    http_response_clear(&x->res);
    arena_free(x->arena);
    free(x);
}

/* The response body as a string (memory bodies only). */
static const char *body_of(Exchange *x)
{
    assert_int_equal(x->res.kind, HTTP_BODY_MEM);
    return arena_strndup(x->arena, x->res.data, (size_t)x->res.length);
}

static void test_limit_and_cursor(void **state)
{
    (void)state;
    static const struct {
        const char *query;
        int ret;
        int limit;
    } cases[] = {
        {NULL, 0, 100},
        {"limit=1", 0, 1},
        {"limit=500", 0, 500},
        {"limit=0", -EINVAL, 0},
        {"limit=501", -EINVAL, 0},
        {"limit=-3", -EINVAL, 0},
        {"limit=abc", -EINVAL, 0},
        {"limit=", -EINVAL, 0},
        {"limit=99999999999999999999", -EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Exchange *x = exchange_new(cases[i].query, NULL);
        int limit = -1;
        const char *after = "unset";
        int r = api_query_page(&x->req, &x->res, &limit, &after);
        assert_int_equal(r, cases[i].ret);
        if (r == 0) {
            assert_int_equal(limit, cases[i].limit);
            assert_null(after);
        } else {
            assert_int_equal(x->res.status, 400);
            assert_non_null(strstr(body_of(x), "\"bad_request\""));
        }
        exchange_free(x);
    }
    Exchange *x = exchange_new("after=&limit=5", NULL);
    assert_null(api_query_cursor(&x->req));
    exchange_free(x);
    x = exchange_new("after=abc", NULL);
    assert_string_equal(api_query_cursor(&x->req), "abc");
    int limit;
    assert_int_equal(api_query_limit(&x->req, &x->res, 20, 50, &limit), 0);
    assert_int_equal(limit, 20);
    exchange_free(x);
}

static void test_body_object(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        int ret;
    } cases[] = {
        {"{\"a\":1}", 0},
        {"{}", 0},
        {"[1,2]", -EINVAL},
        {"\"text\"", -EINVAL},
        {"{\"a\":", -EINVAL},
        {"", -EINVAL},
        {"{\"a\":1,\"a\":2}", -EINVAL},
        {"{\"a\":1} trailing", -EINVAL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Exchange *x = exchange_new(NULL, cases[i].body);
        json_t *obj = NULL;
        int r = api_body_object(&x->req, &x->res, &obj);
        if (r != cases[i].ret)
            fail_msg("body %zu '%s': %d", i, cases[i].body, r);
        if (r == 0) {
            assert_true(json_is_object(obj));
            json_decref(obj);
        } else {
            assert_int_equal(x->res.status, 400);
        }
        exchange_free(x);
    }
}

static void test_paged(void **state)
{
    (void)state;
    Exchange *x = exchange_new(NULL, NULL);
    json_t *items = json_pack("[i, i]", 1, 2);
    assert_int_equal(api_paged(&x->req, &x->res, items, "CUR"), 0);
    assert_int_equal(x->res.status, 200);
    assert_string_equal(body_of(x), "{\"items\":[1,2],\"next\":\"CUR\"}");
    exchange_free(x);

    x = exchange_new(NULL, NULL);
    assert_int_equal(api_paged(&x->req, &x->res, json_array(), NULL), 0);
    assert_string_equal(body_of(x), "{\"items\":[],\"next\":null}");
    exchange_free(x);

    x = exchange_new(NULL, NULL);
    assert_int_equal(api_paged_error(&x->req, &x->res, ERR_PARSE), 0);
    assert_int_equal(x->res.status, 400);
    assert_non_null(strstr(body_of(x), "after"));
    exchange_free(x);

    x = exchange_new(NULL, NULL);
    assert_int_equal(api_paged_error(&x->req, &x->res, -ENOENT), 0);
    assert_int_equal(x->res.status, 404);
    exchange_free(x);
}

static void test_conn(void **state)
{
    (void)state;
    char dir[] = "/tmp/swaz-api-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char url[128];
    snprintf(url, sizeof(url), "sqlite:%s/t.db", dir);
    Db *db;
    assert_int_equal(db_open(url, 1, &db), 0);
    ApiContext ctx = {0};
    ctx.db = db;
    Exchange *x = exchange_new(NULL, NULL);
    x->req.app = &ctx;
    DbConn *c;
    assert_int_equal(api_conn(&x->req, &x->res, &c), 0);
    db_release(c);
    exchange_free(x);
    db_close(db);
    char path[160];
    snprintf(path, sizeof(path), "%s/t.db", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/t.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/t.db-shm", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_and_cursor),
        cmocka_unit_test(test_body_object),
        cmocka_unit_test(test_paged),
        cmocka_unit_test(test_conn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
