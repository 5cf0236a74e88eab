/* test_http_static.c - which request paths may be looked up, and their content types. */
#include "core/limits.h"
#include "http/http_static.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_paths(void **state)
{
    (void)state;
    assert_true(http_static_path_ok("index.html"));
    assert_true(http_static_path_ok("assets/index-3f2a1b.js"));
    assert_true(http_static_path_ok("albums/some id with spaces"));
    assert_false(http_static_path_ok(""));
    assert_false(http_static_path_ok(".."));
    assert_false(http_static_path_ok("../etc/passwd"));
    assert_false(http_static_path_ok("assets/../../etc/passwd"));
    assert_false(http_static_path_ok("assets/.."));
    assert_false(http_static_path_ok("./index.html"));
    assert_false(http_static_path_ok("assets//x.js"));
    assert_false(http_static_path_ok("/etc/passwd"));
    assert_false(http_static_path_ok("assets/"));
    assert_false(http_static_path_ok(".env"));
    assert_false(http_static_path_ok("a/.git/config"));
    assert_false(http_static_path_ok("..\\windows"));
    assert_false(http_static_path_ok("a\nb"));
    char *big = malloc(LIMIT_STATIC_PATH_BYTES + 2);
    memset(big, 'a', LIMIT_STATIC_PATH_BYTES + 1);
    big[LIMIT_STATIC_PATH_BYTES + 1] = '\0';
    assert_false(http_static_path_ok(big));
    big[LIMIT_STATIC_PATH_BYTES] = '\0';
    assert_true(http_static_path_ok(big));
    free(big);
}

static void test_types(void **state)
{
    (void)state;
    assert_string_equal(http_static_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(http_static_type("assets/a-1.JS"), "text/javascript; charset=utf-8");
    assert_string_equal(http_static_type("assets/a-1.css"), "text/css; charset=utf-8");
    assert_string_equal(http_static_type("icon.svg"), "image/svg+xml");
    assert_string_equal(http_static_type("x.webmanifest"), "application/manifest+json");
    assert_string_equal(http_static_type("a.b/README"), "application/octet-stream");
    assert_string_equal(http_static_type("noext"), "application/octet-stream");
}

static void test_accepts_gzip(void **state)
{
    (void)state;
    assert_true(http_static_accepts_gzip("gzip"));
    assert_true(http_static_accepts_gzip("gzip, deflate, br"));
    assert_true(http_static_accepts_gzip("br;q=1.0, GZIP;q=0.5"));
    assert_true(http_static_accepts_gzip("x-gzip"));
    assert_true(http_static_accepts_gzip("*"));
    assert_true(http_static_accepts_gzip("identity, *;q=0.1"));
    assert_true(http_static_accepts_gzip("gzip;q=0.01"));
    assert_false(http_static_accepts_gzip(NULL));
    assert_false(http_static_accepts_gzip(""));
    assert_false(http_static_accepts_gzip("identity"));
    assert_false(http_static_accepts_gzip("br, deflate"));
    assert_false(http_static_accepts_gzip("gzip;q=0"));
    assert_false(http_static_accepts_gzip("gzip; q=0.000"));
    assert_false(http_static_accepts_gzip("gzip;q=0, *"));
    assert_false(http_static_accepts_gzip("*;q=0"));
    assert_false(http_static_accepts_gzip("gzipped"));
    assert_false(http_static_accepts_gzip("xgzip, agzip"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_accepts_gzip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
