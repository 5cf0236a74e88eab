/* test_http_cookie.c - finding one cookie in a Cookie header. */
#include "core/err.h"
#include "core/limits.h"
#include "http/http_cookie.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int get(const char *h, const char *name, char *out)
{
    const char *v;
    size_t n;
    int r = http_cookie_get(h, name, &v, &n);
    if (r == 0) {
        memcpy(out, v, n);
        out[n] = '\0';
    }
    return r;
}

static void test_cookies(void **state)
{
    (void)state;
    char v[256];
    assert_int_equal(get("a=1; swaz_session=abc.def.ghi; b=2", "swaz_session", v), 0);
    assert_string_equal(v, "abc.def.ghi");
    assert_int_equal(get("a=1;b=2", "b", v), 0);
    assert_string_equal(v, "2");
    assert_int_equal(get("a=\"quoted value\"", "a", v), 0);
    assert_string_equal(v, "quoted value");
    assert_int_equal(get("a=; b=x", "a", v), 0);
    assert_string_equal(v, "");
    assert_int_equal(get("a=1; a=2", "a", v), 0);
    assert_string_equal(v, "1");
    assert_int_equal(get("xa=1; ax=2", "a", v), -ENOENT);
    assert_int_equal(get("a=1", "swaz_csrf", v), -ENOENT);
    assert_int_equal(get(NULL, "a", v), -ENOENT);
    assert_int_equal(get("", "a", v), -ENOENT);
    assert_int_equal(get("  ;; a=1 ;", "a", v), 0);
    assert_string_equal(v, "1");
    assert_int_equal(get("noequals; a=1", "a", v), ERR_PARSE);
    assert_int_equal(get("a=\"open", "a", v), ERR_PARSE);
    assert_int_equal(get("=1", "a", v), ERR_PARSE);
    char *big = malloc(LIMIT_AUTH_COOKIE_BYTES + 2);
    memset(big, 'a', LIMIT_AUTH_COOKIE_BYTES + 1);
    big[0] = 'x';
    big[1] = '=';
    big[LIMIT_AUTH_COOKIE_BYTES + 1] = '\0';
    assert_int_equal(get(big, "x", v), ERR_LIMIT);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
