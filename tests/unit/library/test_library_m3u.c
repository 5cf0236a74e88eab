/*
 * test_library_m3u.c - the M3U parser (table-driven: BOM, CRLF, CR, #EXTINF, file:// URLs,
 * other URLs, comments, limits), path normalisation (., .., //, climbing out) and the writer.
 */
#include "core/err.h"
#include "core/limits.h"
#include "library/library_m3u.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct {
    const char *text;
    int result;
    const char *paths; /* "|"-joined paths, each "path@duration_ms@line" */
} ParseCase;

static const ParseCase parse_cases[] = {
    {"", 0, ""},
    {"#EXTM3U\n", 0, ""},
    {"a.mp3\nb.mp3\n", 0, "a.mp3@-1@1|b.mp3@-1@2|"},
    {"\xEF\xBB\xBF#EXTM3U\r\n#EXTINF:123,Artist - Title\r\nMusic/a.flac\r\n", 0,
     "Music/a.flac@123000@3|"},
    {"#EXTINF:1.5,x\rA\rB", 0, "A@1500@2|B@-1@3|"},
    {"  spaced.mp3  \n\n\n# comment\n#EXTGRP:x\nlast", 0, "spaced.mp3@-1@1|last@-1@6|"},
    {"#EXTINF:-1,Stream\nhttp://radio.example/stream\n", 0, "http://radio.example/stream@-1@2|"},
    {"file:///music/A%20B/c.mp3\nfile://localhost/x/y.mp3\n", 0,
     "/music/A B/c.mp3@-1@1|/x/y.mp3@-1@2|"},
    {"file://otherhost/x.mp3\n", ERR_PARSE, NULL},
    {"file:///x%2", ERR_PARSE, NULL},
    {"file:///x%00y", ERR_PARSE, NULL},
    {"a\0b", ERR_PARSE, NULL},
    {"#EXTINF:abc,No number\n../../etc/passwd\n", 0, "../../etc/passwd@-1@2|"},
    {"#EXTINF:10\nC:\\Music\\a.mp3\n", 0, "C:\\Music\\a.mp3@10000@2|"},
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const ParseCase *c = &parse_cases[i];
        Arena *a = arena_new(1 << 20);
        M3u m;
        size_t len = strlen(c->text);
        if (i == 11)
            len = 3; /* the embedded NUL */
        int r = library_m3u_parse(a, c->text, len, &m);
        if (r != c->result)
            fail_msg("case %zu: result %d, expected %d", i, r, c->result);
        if (r == 0) {
            char got[1024] = "";
            for (size_t k = 0; k < m.n; k++) {
                char one[256];
                snprintf(one, sizeof(one), "%s@%lld@%zu|", m.entries[k].path,
                         (long long)m.entries[k].duration_ms, m.entries[k].line);
                strncat(got, one, sizeof(got) - strlen(got) - 1);
            }
            if (strcmp(got, c->paths) != 0)
                fail_msg("case %zu: got '%s', expected '%s'", i, got, c->paths);
        }
        arena_free(a);
    }
}

static void test_parse_details(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    M3u m;
    const char *t = "#EXTM3U\n#EXTINF:5,The Title\nhttp://x/y\nrel.mp3\n";
    assert_int_equal(library_m3u_parse(a, t, strlen(t), &m), 0);
    assert_int_equal(m.n, 2);
    assert_true(m.entries[0].url);
    assert_string_equal(m.entries[0].title, "The Title");
    assert_false(m.entries[1].url);
    assert_null(m.entries[1].title);
    arena_free(a);
}

static void test_parse_limits(void **state)
{
    (void)state;
    Arena *a = arena_new(64 << 20);
    M3u m;
    size_t n = LIMIT_M3U_LINES + 1;
    char *big = malloc(n * 2);
    for (size_t i = 0; i < n; i++) {
        big[2 * i] = 'x';
        big[2 * i + 1] = '\n';
    }
    assert_int_equal(library_m3u_parse(a, big, n * 2, &m), ERR_LIMIT);
    assert_int_equal(library_m3u_parse(a, big, (n - 1) * 2, &m), 0);
    assert_int_equal(m.n, LIMIT_M3U_LINES);
    free(big);
    char *line = malloc(LIMIT_PATH_BYTES + 2);
    memset(line, 'a', LIMIT_PATH_BYTES + 1);
    line[LIMIT_PATH_BYTES + 1] = '\0';
    assert_int_equal(library_m3u_parse(a, line, LIMIT_PATH_BYTES + 1, &m), ERR_LIMIT);
    assert_int_equal(library_m3u_parse(a, line, LIMIT_PATH_BYTES, &m), 0);
    free(line);
    arena_free(a);
}

typedef struct {
    const char *in;
    int result;
    const char *out;
} NormCase;

static const NormCase norm_cases[] = {
    {"a/b/c.mp3", 0, "a/b/c.mp3"},
    {"./a//b/./c.mp3", 0, "a/b/c.mp3"},
    {"a/../b.mp3", 0, "b.mp3"},
    {"a/b/../../c", 0, "c"},
    {"../x", ERR_PARSE, NULL},
    {"../../etc/passwd", ERR_PARSE, NULL},
    {"a/../../x", ERR_PARSE, NULL},
    {"/music/a/../b.mp3", 0, "/music/b.mp3"},
    {"/../etc/passwd", ERR_PARSE, NULL},
    {"//music///x", 0, "/music/x"},
    {"a\\b\\c.mp3", 0, "a/b/c.mp3"},
    {".", ERR_PARSE, NULL},
    {"/", ERR_PARSE, NULL},
    {"a/..", ERR_PARSE, NULL},
    {"/m/a/b/../../../..", ERR_PARSE, NULL},
};

static void test_normalize(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    for (size_t i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++) {
        const char *out = NULL;
        int r = library_m3u_normalize(a, norm_cases[i].in, &out);
        if (r != norm_cases[i].result)
            fail_msg("case %zu (%s): %d", i, norm_cases[i].in, r);
        if (r == 0 && strcmp(out, norm_cases[i].out) != 0)
            fail_msg("case %zu (%s): got %s", i, norm_cases[i].in, out);
    }
    arena_free(a);
}

static void test_append(void **state)
{
    (void)state;
    Buf b;
    buf_init(&b, 4096);
    assert_int_equal(library_m3u_append(&b, 3499, "A - T", "x/y.mp3"), 0);
    assert_int_equal(library_m3u_append(&b, -1, "Evil\r\nname", "p\nq"), 0);
    assert_string_equal(b.data, "#EXTM3U\n#EXTINF:3,A - T\nx/y.mp3\n#EXTINF:-1,Evil  name\np q\n");
    /* What we write, we read back. */
    Arena *a = arena_new(1 << 20);
    M3u m;
    assert_int_equal(library_m3u_parse(a, b.data, b.len, &m), 0);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.entries[0].path, "x/y.mp3");
    assert_int_equal(m.entries[0].duration_ms, 3000);
    arena_free(a);
    Buf small;
    buf_init(&small, 10);
    assert_int_equal(library_m3u_append(&small, 1, "t", "p"), ERR_LIMIT);
    buf_free(&small);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),  cmocka_unit_test(test_parse_details),
        cmocka_unit_test(test_parse_limits), cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_append),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
