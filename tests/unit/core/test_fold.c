/* test_fold.c - folding for comparison: case, Latin accents, separators, other scripts, the
 * search key without a leading "the ", and the output bound FOLD_CAP. */
#include "core/fold.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_fold_text(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"Café Olé", "cafe ole"},
        {"  Über   Straße!! ", "uber strasse"},
        {"Sólrún Ævarsdóttir", "solrun aevarsdottir"},
        {"Łódź", "lodz"},
        {"It's a \"quoted\" 100% song", "it s a quoted 100 song"},
        {"a\xe2\x80\x94"
         "b",
         "a b"},            /* em dash separates */
        {"Мир Ω", "Мир Ω"}, /* other scripts pass through */
        {"AC/DC", "ac dc"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = strlen(cases[i].in);
        char out[FOLD_CAP(64)];
        assert_true(len <= 64);
        size_t n = fold_text(cases[i].in, len, out);
        assert_string_equal(out, cases[i].out);
        assert_int_equal(n, strlen(cases[i].out));
    }
}

static void test_fold_search_key(void **state)
{
    (void)state;
    char out[FOLD_CAP(32)];
    assert_int_equal(fold_search_key("The Beatles", strlen("The Beatles"), out), 7);
    assert_string_equal(out, "beatles");
    fold_search_key("THE  Café", strlen("THE  Café"), out);
    assert_string_equal(out, "cafe");
    fold_search_key("The", strlen("The"), out); /* nothing follows: the word is the name */
    assert_string_equal(out, "the");
    fold_search_key("Theatre", strlen("Theatre"), out);
    assert_string_equal(out, "theatre");
    fold_search_key("the the", strlen("the the"), out);
    assert_string_equal(out, "the");
}

static void test_fold_cap(void **state)
{
    (void)state;
    /* Every 2-byte letter that folds to two ASCII letters: the worst case is FOLD_CAP. */
    char in[40 * 2 + 1] = {0};
    for (size_t i = 0; i < 40; i++)
        memcpy(in + i * 2, "\xc3\x86", 2); /* Æ -> "ae" */
    char out[FOLD_CAP(80)];
    memset(out, 'x', sizeof(out));
    size_t n = fold_text(in, 80, out);
    assert_int_equal(n, 80);
    assert_int_equal(out[80], '\0');
    /* A truncated sequence at the end is kept as bytes, never read past. */
    assert_int_equal(fold_text("ab\xc3", 3, out), 3);
    assert_memory_equal(out, "ab\xc3", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_text),
        cmocka_unit_test(test_fold_search_key),
        cmocka_unit_test(test_fold_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
