/* test_buf.c - bounded buffers: growth, the maximum, formatting, stealing. */
#include "core/buf.h"
#include "core/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_append_and_max(void **state)
{
    (void)state;
    Buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_append_str(&b, "hello"), 0);
    assert_int_equal(buf_append_str(&b, "world"), 0);
    assert_string_equal(b.data, "helloworld");
    assert_int_equal(buf_append_str(&b, "!"), ERR_LIMIT);
    assert_string_equal(b.data, "helloworld");
    assert_int_equal(b.len, 10);
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_free(&b);
}

static void test_printf(void **state)
{
    (void)state;
    Buf b;
    buf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(buf_printf(&b, "%04d,", i), 0);
    assert_int_equal(b.len, 5000);
    assert_memory_equal(b.data + 4995, "0999,", 5);
    char *s = buf_steal(&b);
    assert_null(b.data);
    free(s);
    buf_free(&b);
}

static void test_printf_over_max(void **state)
{
    (void)state;
    Buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_printf(&b, "%s", "123456789"), ERR_LIMIT);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_append(&b, "x", SIZE_MAX), ERR_LIMIT);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_max),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_printf_over_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
