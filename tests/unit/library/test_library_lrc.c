/* test_library_lrc.c - library_lrc_parse(): time tags, offsets, metadata, plain text, limits. */
#include "core/err.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "library/library_lrc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct LrcCase {
    const char *in;
    bool synced;
    int64_t offset;
    const char *want; /* "start=text" lines joined with '|' */
} LrcCase;

static const LrcCase cases[] = {
    {"", false, 0, ""},
    {"[00:01.00]one\n[00:02.50]two\n", true, 0, "1000=one|2500=two"},
    {"[00:01]a\n[00:02.5]b\n[00:03.25]c\n[00:04.125]d\n[00:05.1239]e", true, 0,
     "1000=a|2500=b|3250=c|4125=d|5123=e"},
    {"[1:02:03.50]late\n[75:00.00]long", true, 0, "3723500=late|4500000=long"},
    {"[00:05.00][00:01.00]chorus\n[00:03.00]verse", true, 0, "1000=chorus|3000=verse|5000=chorus"},
    {"[00:02.00]b\n[00:01.00]a\n[00:02.00]c", true, 0, "1000=a|2000=b|2000=c"},
    {"[ar:Artist]\n[ti:Title]\n[al:Album]\n[by:me]\n[length:03:00]\n[00:01.00]x", true, 0,
     "1000=x"},
    {"[offset:+500]\n[00:01.00]a\n[00:00.20]b", true, 500, "0=b|500=a"},
    {"[00:01.00]a\n[offset:-250]", true, -250, "1250=a"},
    {"\xEF\xBB\xBF[00:01.00]bom\r\n[00:02.00]crlf\r\n", true, 0, "1000=bom|2000=crlf"},
    {"[00:01.00]a\n\n[00:02.00]\n[00:03.00]c\n", true, 0, "1000=a|2000=|3000=c"},
    {"intro text\n[00:01.00]a\nstray\n", true, 0, "1000=a"},
    {"[00:01.00]\xff\xfe"
     "bad",
     true, 0,
     "1000=\xEF\xBF\xBD\xEF\xBF\xBD"
     "bad"},
    {"[00:01.00]  spaced\t words  ", true, 0, "1000=spaced  words"},
    {"[00:01.00][Chorus] la", true, 0, "1000=[Chorus] la"},
    {"[00:61.00]bad seconds\n[aa:bb]x", false, 0, "-1=[00:61.00]bad seconds"},
    {"\n\nplain one\n\nplain two\n\n", false, 0, "-1=plain one|-1=|-1=plain two"},
    {"line\rother", false, 0, "-1=line|-1=other"},
    {"[ar:Only metadata]\n[ti:x]", false, 0, ""},
    {"[00:01.00", false, 0, "-1=[00:01.00"},
    {"[99999999:00.00]x\n[00:01.00]y", true, 0, "1000=y"},
};

static const char *render(Arena *a, const Lrc *lrc)
{
    char *out = arena_strdup(a, "");
    for (size_t i = 0; i < lrc->n_lines; i++)
        out = arena_printf(a, "%s%s%lld=%s", out, i ? "|" : "", (long long)lrc->lines[i].start_ms,
                           lrc->lines[i].text);
    return out;
}

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const LrcCase *c = &cases[i];
        Arena *a = arena_new(1 << 20);
        Lrc lrc;
        printf("# lrc case %zu\n", i);
        assert_int_equal(library_lrc_parse(a, c->in, strlen(c->in), &lrc), 0);
        assert_int_equal(lrc.synced, c->synced);
        assert_int_equal(lrc.offset_ms, c->offset);
        for (size_t k = 0; k < lrc.n_lines; k++)
            assert_true(utf8_valid(lrc.lines[k].text, strlen(lrc.lines[k].text)));
        assert_string_equal(render(a, &lrc), c->want);
        arena_free(a);
    }
}

static void test_nul_and_long_lines(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    Lrc lrc;
    const char nul[] = "[00:01.00]a\0b\n[00:02.00]c";
    assert_int_equal(library_lrc_parse(a, nul, sizeof(nul) - 1, &lrc), 0);
    assert_int_equal(lrc.n_lines, 2);
    assert_string_equal(lrc.lines[0].text, "ab");
    size_t n = 20000;
    char *big = malloc(n + 11);
    memcpy(big, "[00:01.00]", 10);
    memset(big + 10, 'x', n);
    big[n + 10] = '\0';
    assert_int_equal(library_lrc_parse(a, big, n + 10, &lrc), 0);
    assert_int_equal(lrc.n_lines, 1);
    assert_int_equal(strlen(lrc.lines[0].text), LIMIT_TAG_BYTES);
    free(big);
    arena_free(a);
}

static void test_limits(void **state)
{
    (void)state;
    Arena *a = arena_new(16 << 20);
    size_t lines = LIMIT_LRC_LINES + 1;
    char *text = malloc(lines * 12 + 1);
    size_t len = 0;
    for (size_t i = 0; i < lines; i++) {
        memcpy(text + len, "[00:01.00]x\n", 12);
        len += 12;
    }
    Lrc lrc = {.n_lines = 77};
    assert_int_equal(library_lrc_parse(a, text, len, &lrc), ERR_LIMIT);
    assert_int_equal(lrc.n_lines, 77);
    assert_int_equal(library_lrc_parse(a, text, len - 12, &lrc), 0);
    assert_int_equal(lrc.n_lines, LIMIT_LRC_LINES);
    free(text);
    arena_free(a);

    /* Out of memory: -ENOMEM, never a crash, nothing written. */
    const char *small = "[00:01.00]a\n[00:02.00]b\nplain";
    for (size_t budget = 0; budget < 4096; budget += 32) {
        Arena *s = arena_new(budget);
        Lrc out = {.n_lines = 9};
        int r = library_lrc_parse(s, small, strlen(small), &out);
        assert_true(r == 0 || r == -ENOMEM);
        if (r < 0)
            assert_int_equal(out.n_lines, 9);
        arena_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_nul_and_long_lines),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
