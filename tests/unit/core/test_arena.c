/* test_arena.c - the region allocator: alignment, budget, large blocks, formatting. */
#include "core/arena.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_alignment_and_reuse(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    assert_non_null(a);
    for (int i = 1; i < 200; i++) {
        void *p = arena_alloc(a, (size_t)i);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xAB, (size_t)i);
    }
    arena_free(a);
}

static void test_budget_is_enforced(void **state)
{
    (void)state;
    Arena *a = arena_new(1000);
    assert_non_null(arena_alloc(a, 900));
    assert_null(arena_alloc(a, 200));
    assert_null(arena_alloc(a, SIZE_MAX));
    assert_null(arena_calloc(a, SIZE_MAX / 2, 4));
    assert_true(arena_used(a) <= 1000);
    arena_free(a);
}

static void test_large_blocks(void **state)
{
    (void)state;
    Arena *a = arena_new(10 << 20);
    char *small = arena_alloc(a, 10);
    char *big = arena_alloc(a, 1 << 20);
    char *small2 = arena_alloc(a, 10);
    assert_non_null(small);
    assert_non_null(big);
    assert_non_null(small2);
    memset(big, 1, 1 << 20);
    arena_free(a);
}

static void test_strings(void **state)
{
    (void)state;
    Arena *a = arena_new(4096);
    assert_string_equal(arena_strdup(a, "héllo"), "héllo");
    assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
    assert_string_equal(arena_printf(a, "%d-%s", 42, "x"), "42-x");
    assert_null(arena_printf(a, "%5000d", 1));
    arena_free(a);
    arena_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_reuse),
        cmocka_unit_test(test_budget_is_enforced),
        cmocka_unit_test(test_large_blocks),
        cmocka_unit_test(test_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
