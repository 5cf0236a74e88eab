/* test_auth_password.c - Argon2id hashing: parameters, verification, limits, generation. */
#include "auth/auth_password.h"
#include "core/limits.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_hash_and_verify(void **state)
{
    (void)state;
    assert_int_equal(auth_init(), 0);
    char h1[AUTH_PASSWORD_HASH_MAX], h2[AUTH_PASSWORD_HASH_MAX];
    assert_int_equal(auth_password_hash("correct horse", h1), 0);
    assert_int_equal(auth_password_hash("correct horse", h2), 0);
    assert_string_not_equal(h1, h2); /* salted */
    /* Argon2id with at least OWASP's m=19 MiB, t=2. */
    assert_non_null(strstr(h1, "$argon2id$"));
    assert_non_null(strstr(h1, "m=19456,t=2,p=1"));
    assert_true(auth_password_verify("correct horse", h1));
    assert_false(auth_password_verify("correct horsE", h1));
    assert_false(auth_password_verify("", h1));
    assert_false(auth_password_verify("correct horse", "not a hash"));
}

static void test_limits(void **state)
{
    (void)state;
    char h[AUTH_PASSWORD_HASH_MAX];
    assert_int_equal(auth_password_hash("short", h), -EINVAL);
    char big[LIMIT_PASSWORD_BYTES + 2];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(auth_password_hash(big, h), -EINVAL);
}

static void test_generate(void **state)
{
    (void)state;
    char a[AUTH_PASSWORD_GENERATED_LEN + 1], b[AUTH_PASSWORD_GENERATED_LEN + 1];
    auth_password_generate(a);
    auth_password_generate(b);
    assert_int_equal(strlen(a), AUTH_PASSWORD_GENERATED_LEN);
    assert_string_not_equal(a, b);
    for (const char *p = a; *p; p++)
        assert_true(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p) != NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_and_verify),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_generate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
