/* test_str.c - strict numbers, booleans, hex, copies and UTF-8 validation/repair. */
#include "core/str.h"
#include "core/utf8.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_int64(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int ret;
        int64_t value;
    } cases[] = {
        {"0", 0, 0},
        {"42", 0, 42},
        {"-7", 0, -7},
        {"9223372036854775807", 0, INT64_MAX},
        {"-9223372036854775808", 0, INT64_MIN},
        {"9223372036854775808", -ERANGE, 0},
        {"99999999999999999999999", -ERANGE, 0},
        {"", -EINVAL, 0},
        {"-", -EINVAL, 0},
        {" 1", -EINVAL, 0},
        {"1 ", -EINVAL, 0},
        {"12abc", -EINVAL, 0},
        {"+1", -EINVAL, 0},
        {"0x10", -EINVAL, 0},
        {"1e3", -EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t v = 12345;
        int r = str_to_int64(cases[i].in, INT64_MIN, INT64_MAX, &v);
        assert_int_equal(r, cases[i].ret);
        assert_int_equal(v, r == 0 ? cases[i].value : 12345);
    }
    int64_t v;
    assert_int_equal(str_to_int64("501", 1, 500, &v), -ERANGE);
    assert_int_equal(str_to_int64("0", 1, 500, &v), -ERANGE);
    assert_int_equal(str_to_int64("500", 1, 500, &v), 0);
    assert_int_equal(str_to_int64(NULL, 1, 500, &v), -EINVAL);
}

static void test_bool_hex_copy(void **state)
{
    (void)state;
    bool b;
    assert_int_equal(str_to_bool("YES", &b), 0);
    assert_true(b);
    assert_int_equal(str_to_bool("off", &b), 0);
    assert_false(b);
    assert_int_equal(str_to_bool("maybe", &b), -EINVAL);
    assert_int_equal(str_to_bool("", &b), -EINVAL);
    char hex[9];
    str_hex((const unsigned char *)"\x00\xff\x10\xab", 4, hex);
    assert_string_equal(hex, "00ff10ab");
    static const char digits[] = "0123456789abcdefABCDEF";
    for (size_t i = 0; i < sizeof(digits) - 1; i++)
        assert_int_equal(str_hex_digit(digits[i]), i < 16 ? (int)i : (int)i - 6);
    assert_int_equal(str_hex_digit('g'), -1);
    assert_int_equal(str_hex_digit('G'), -1);
    assert_int_equal(str_hex_digit('/'), -1);
    assert_int_equal(str_hex_digit(':'), -1);
    assert_int_equal(str_hex_digit('\0'), -1);
    assert_int_equal(str_hex_digit('\xc3'), -1);
    assert_true(str_is_hex_lower("00ff10ab", 1, 8));
    assert_true(str_is_hex_lower("ab", 2, 2));
    assert_false(str_is_hex_lower("00FF", 1, 8));      /* upper case */
    assert_false(str_is_hex_lower("00ff10ab9", 1, 8)); /* too long */
    assert_false(str_is_hex_lower("a", 2, 8));         /* too short */
    assert_false(str_is_hex_lower("", 1, 8));
    assert_false(str_is_hex_lower("0g", 1, 8));
    assert_false(str_is_hex_lower(NULL, 0, 8));
    assert_true(str_is_base64url("Az09-_", 6, 6));
    assert_true(str_is_base64url("x", 1, 64));
    assert_false(str_is_base64url("Az09-_", 7, 8));
    assert_false(str_is_base64url("Az09-_", 1, 5));
    assert_false(str_is_base64url("a+b", 1, 8)); /* base64, not base64url */
    assert_false(str_is_base64url("a/b", 1, 8));
    assert_false(str_is_base64url("a.b", 1, 8));
    assert_false(str_is_base64url("", 1, 8));
    assert_false(str_is_base64url(NULL, 0, 8));
    char small[4];
    assert_int_equal(str_copy(small, "abcdef", sizeof(small)), 6);
    assert_string_equal(small, "abc");
    assert_true(str_has_prefix("postgres://x", "postgres://"));
    assert_false(str_has_prefix("post", "postgres://"));
}

static void test_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        bool valid;
    } cases[] = {
        {"", true},
        {"plain", true},
        {"Caf\xc3\xa9", true},
        {"\xe2\x82\xac", true},      /* euro sign */
        {"\xf0\x9f\x8e\xb5", true},  /* musical note */
        {"\xc3", false},             /* truncated */
        {"\xc0\xaf", false},         /* overlong '/' */
        {"\xed\xa0\x80", false},     /* surrogate */
        {"\xf4\x90\x80\x80", false}, /* above U+10FFFF */
        {"\xff", false},
        {"Caf\xe9", false}, /* Latin-1 */
    };
    Arena *a = arena_new(1 << 16);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(utf8_valid(cases[i].in, strlen(cases[i].in)), cases[i].valid);
        const char *fixed = utf8_repair(a, cases[i].in);
        assert_non_null(fixed);
        assert_true(utf8_valid(fixed, strlen(fixed)));
        if (cases[i].valid)
            assert_ptr_equal(fixed, cases[i].in);
    }
    assert_string_equal(utf8_repair(a, "Caf\xe9!"), "Caf\xef\xbf\xbd!");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int64),
        cmocka_unit_test(test_bool_hex_copy),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
