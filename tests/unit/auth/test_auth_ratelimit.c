/* test_auth_ratelimit.c - failure counters: limit, window, clear, bounded table. */
#include "auth/auth_ratelimit.h"
#include "core/err.h"
#include "core/limits.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <sodium.h>

static void test_limit_and_window(void **state)
{
    (void)state;
    AuthRateLimit *rl = auth_ratelimit_new();
    assert_non_null(rl);
    int64_t retry = 0;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(
            auth_ratelimit_check(rl, AUTH_RATELIMIT_ACCOUNT, "bob", 3, 300, 1000 + i, &retry), 0);
        auth_ratelimit_fail(rl, AUTH_RATELIMIT_ACCOUNT, "bob", 300, 1000 + i);
    }
    assert_int_equal(auth_ratelimit_check(rl, AUTH_RATELIMIT_ACCOUNT, "bob", 3, 300, 1010, &retry),
                     ERR_LIMIT);
    assert_int_equal(retry, 290);
    /* Kinds and keys are separate. */
    assert_int_equal(auth_ratelimit_check(rl, AUTH_RATELIMIT_ADDRESS, "bob", 3, 300, 1010, &retry),
                     0);
    assert_int_equal(auth_ratelimit_check(rl, AUTH_RATELIMIT_ACCOUNT, "bob2", 3, 300, 1010, &retry),
                     0);
    /* The window ends. */
    assert_int_equal(auth_ratelimit_check(rl, AUTH_RATELIMIT_ACCOUNT, "bob", 3, 300, 1300, &retry),
                     0);
    /* Clear forgets. */
    for (int i = 0; i < 3; i++)
        auth_ratelimit_fail(rl, AUTH_RATELIMIT_ACCOUNT, "bob", 300, 2000);
    assert_int_equal(auth_ratelimit_check(rl, AUTH_RATELIMIT_ACCOUNT, "bob", 3, 300, 2001, &retry),
                     ERR_LIMIT);
    auth_ratelimit_clear(rl, AUTH_RATELIMIT_ACCOUNT, "bob");
    assert_int_equal(auth_ratelimit_check(rl, AUTH_RATELIMIT_ACCOUNT, "bob", 3, 300, 2001, &retry),
                     0);
    auth_ratelimit_free(rl);
    auth_ratelimit_free(NULL);
}

static void test_bounded(void **state)
{
    (void)state;
    AuthRateLimit *rl = auth_ratelimit_new();
    /* Many more keys than entries: memory stays fixed, recent hot keys survive. */
    char key[32];
    int64_t retry;
    for (int i = 0; i < 5; i++)
        auth_ratelimit_fail(rl, AUTH_RATELIMIT_ADDRESS, "10.0.0.1", 300, 5000);
    for (int i = 0; i < LIMIT_AUTH_RATELIMIT_ENTRIES * 4; i++) {
        snprintf(key, sizeof(key), "user%d", i);
        auth_ratelimit_fail(rl, AUTH_RATELIMIT_ACCOUNT, key, 300, 5000);
        if (i % 64 == 0) /* the attacker's address is checked on every attempt */
            auth_ratelimit_check(rl, AUTH_RATELIMIT_ADDRESS, "10.0.0.1", 5, 300, 5000, &retry);
    }
    assert_int_equal(
        auth_ratelimit_check(rl, AUTH_RATELIMIT_ADDRESS, "10.0.0.1", 5, 300, 5001, &retry),
        ERR_LIMIT);
    auth_ratelimit_free(rl);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_and_window),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
