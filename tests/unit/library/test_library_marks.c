/*
 * test_library_marks.c - the table of offset marks: marks are returned for the stamp they
 * were put under, counted up to what is asked, and only in order; a newer stamp empties the
 * table and an older one is ignored; the list used longest ago gives its slot to a new one;
 * a list keeps at most LIMIT_OFFSET_MARKS_PER_LIST marks. (Pages read through the marks:
 * test_library_browse.c.)
 */
#include "core/arena.h"
#include "core/limits.h"
#include "library/library_marks.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

/* Returns how many of the first `want` marks of `key` are held under `stamp`; writes the last
 * one to *ret_cursor (NULL when none). */
static int64_t marks_have(LibraryMarks *marks, Arena *a, int64_t stamp, const char *key,
                          int64_t want, const char **ret_cursor)
{
    *ret_cursor = NULL;
    int64_t have = library_marks_get(marks, a, stamp, key, want, ret_cursor);
    assert_true(have >= 0 && have <= want);
    assert_true((have > 0) == (*ret_cursor != NULL));
    return have;
}

static void test_get_put(void **state)
{
    (void)state;
    LibraryMarks *marks = library_marks_new(2, 3);
    Arena *a = arena_new(1 << 16);
    assert_non_null(marks);
    assert_int_equal(library_marks_step(marks), 3);
    const char *c;
    assert_int_equal(marks_have(marks, a, 1, "L", 5, &c), 0);
    library_marks_put(marks, 1, "L", 1, "skipped"); /* not after the last: ignored */
    assert_int_equal(library_marks_count(marks), 0);
    library_marks_put(marks, 1, "L", 0, "m0");
    library_marks_put(marks, 1, "L", 1, "m1");
    library_marks_put(marks, 1, "L", 1, "again"); /* already held */
    library_marks_put(marks, 1, "L", 2, "m2");
    assert_int_equal(library_marks_count(marks), 3);
    assert_int_equal(marks_have(marks, a, 1, "L", 5, &c), 3);
    assert_string_equal(c, "m2");
    assert_int_equal(marks_have(marks, a, 1, "L", 2, &c), 2);
    assert_string_equal(c, "m1");
    assert_int_equal(marks_have(marks, a, 1, "L", 0, &c), 0);
    assert_int_equal(marks_have(marks, a, 1, "other", 5, &c), 0);
    assert_int_equal(marks_have(marks, a, 2, "L", 5, &c), 0); /* another stamp */
    library_marks_put(marks, 0, "L", 3, "old");               /* an older stamp: ignored */
    assert_int_equal(marks_have(marks, a, 1, "L", 5, &c), 3);
    library_marks_put(marks, 2, "K", 0, "k0"); /* a newer stamp empties the table */
    assert_int_equal(library_marks_count(marks), 1);
    assert_int_equal(marks_have(marks, a, 1, "L", 5, &c), 0);
    assert_int_equal(marks_have(marks, a, 2, "K", 5, &c), 1);
    assert_string_equal(c, "k0");
    library_marks_free(marks);
    library_marks_free(NULL);
    arena_free(a);
}

static void test_bounds(void **state)
{
    (void)state;
    LibraryMarks *marks = library_marks_new(2, 1);
    Arena *a = arena_new(1 << 16);
    const char *c;
    library_marks_put(marks, 1, "A", 0, "a0");
    library_marks_put(marks, 1, "B", 0, "b0");
    assert_int_equal(marks_have(marks, a, 1, "A", 1, &c), 1); /* A used after B */
    library_marks_put(marks, 1, "C", 0, "c0");                /* takes B's slot */
    assert_int_equal(marks_have(marks, a, 1, "A", 1, &c), 1);
    assert_int_equal(marks_have(marks, a, 1, "B", 1, &c), 0);
    assert_int_equal(marks_have(marks, a, 1, "C", 1, &c), 1);
    char text[32];
    for (int64_t j = 1; j <= LIMIT_OFFSET_MARKS_PER_LIST; j++) {
        snprintf(text, sizeof(text), "a%lld", (long long)j);
        library_marks_put(marks, 1, "A", j, text);
    }
    assert_int_equal(marks_have(marks, a, 1, "A", INT64_MAX, &c), LIMIT_OFFSET_MARKS_PER_LIST);
    snprintf(text, sizeof(text), "a%d", LIMIT_OFFSET_MARKS_PER_LIST - 1);
    assert_string_equal(c, text);
    library_marks_free(marks);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_put),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
