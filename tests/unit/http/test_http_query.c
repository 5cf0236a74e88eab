/*
 * test_http_query.c - http_query_parse / http_query_decode / http_params_*: a table of
 * ordinary and hostile inputs, repeated keys, limits.
 */
#include "core/arena.h"
#include "core/err.h"
#include "core/limits.h"
#include "http/http_query.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct QueryCase {
    const char *input;
    size_t len; /* 0: strlen(input) */
    int want;
    const char *pairs; /* expected "k=v|k=v" when want == 0 */
} QueryCase;

static const QueryCase query_cases[] = {
    {"", 0, 0, ""},
    {"a=1", 0, 0, "a=1"},
    {"a=1&b=2", 0, 0, "a=1|b=2"},
    {"id=1&id=2&id=3", 0, 0, "id=1|id=2|id=3"},
    {"a", 0, 0, "a="},
    {"a=", 0, 0, "a="},
    {"=x", 0, 0, "=x"},
    {"=", 0, 0, "="},
    {"a=1&&b=2", 0, 0, "a=1|b=2"},
    {"&&&", 0, 0, ""},
    {"&a=1&", 0, 0, "a=1"},
    {"a=b=c", 0, 0, "a=b=c"},
    {"a+b=c+d", 0, 0, "a b=c d"},
    {"a=%20%2B%26%3D", 0, 0, "a= +&="},
    {"b=%C3%A9+x", 0, 0, "b=\xc3\xa9 x"},
    {"%41%42=%61%62", 0, 0, "AB=ab"},
    {"a=%7e%7E", 0, 0, "a=~~"},
    {"a=%25", 0, 0, "a=%"},
    {"a=%2525", 0, 0, "a=%25"},
    {"a=1;b=2", 0, 0, "a=1;b=2"},
    {"a=%FF%FE", 0, 0, "a=\xff\xfe"},
    {"a=1#frag", 0, 0, "a=1#frag"},
    /* broken escapes */
    {"a=%", 0, ERR_PARSE, NULL},
    {"a=%4", 0, ERR_PARSE, NULL},
    {"a=%G0", 0, ERR_PARSE, NULL},
    {"a=%0G", 0, ERR_PARSE, NULL},
    {"a=%%41", 0, ERR_PARSE, NULL},
    {"%=1", 0, ERR_PARSE, NULL},
    {"a=1&b=%2", 0, ERR_PARSE, NULL},
    {"a=% 1", 0, ERR_PARSE, NULL},
    {"a=%-1", 0, ERR_PARSE, NULL},
    /* NUL bytes, raw or escaped */
    {"a=%00", 0, ERR_PARSE, NULL},
    {"%00=1", 0, ERR_PARSE, NULL},
    {"a=x\0y", 5, ERR_PARSE, NULL},
    {"a\0=1", 4, ERR_PARSE, NULL},
    /* len shorter than the string: only len bytes count */
    {"a=1&b=2", 3, 0, "a=1"},
    {"a=%41", 4, ERR_PARSE, NULL}, /* escape cut by len */
};

static void query_render(const HttpParams *p, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < p->count; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s=%s", i ? "|" : "", p->items[i].key,
                              p->items[i].value);
}

static void test_query_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(query_cases) / sizeof(query_cases[0]); i++) {
        const QueryCase *c = &query_cases[i];
        Arena *a = arena_new(1 << 20);
        HttpParams *p = malloc(sizeof(*p));
        assert_non_null(a);
        assert_non_null(p);
        p->count = 99;
        size_t len = c->len ? c->len : strlen(c->input);
        int got = http_query_parse(a, c->input, len, p);
        if (got != c->want)
            fail_msg("case %zu \"%s\": got %d want %d", i, c->input, got, c->want);
        if (c->want == 0) {
            char out[512];
            query_render(p, out, sizeof(out));
            if (strcmp(out, c->pairs) != 0)
                fail_msg("case %zu \"%s\": got \"%s\" want \"%s\"", i, c->input, out, c->pairs);
        }
        free(p);
        arena_free(a);
    }
}

static void test_query_repeated_keys(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 16);
    HttpParams p;
    assert_int_equal(http_query_parse(a, "id=1&x=y&id=2&ID=3", 18, &p), 0);
    assert_int_equal(p.count, 4);
    assert_string_equal(http_params_get(&p, "id"), "1"); /* first value */
    assert_string_equal(http_params_get(&p, "ID"), "3"); /* keys are case-sensitive */
    assert_null(http_params_get(&p, "missing"));
    assert_string_equal(p.items[2].value, "2");
    arena_free(a);
}

static void test_query_too_many(void **state)
{
    (void)state;
    char s[LIMIT_HTTP_QUERY_PARAMS * 8 + 16];
    size_t o = 0;
    for (int i = 0; i < LIMIT_HTTP_QUERY_PARAMS; i++)
        o += (size_t)snprintf(s + o, sizeof(s) - o, "k=%d&", i);
    Arena *a = arena_new(1 << 20);
    HttpParams p;
    assert_int_equal(http_query_parse(a, s, o, &p), 0);
    assert_int_equal(p.count, LIMIT_HTTP_QUERY_PARAMS);
    /* empty pairs do not count */
    assert_int_equal(http_query_parse(a, s, o, &p), 0);
    o += (size_t)snprintf(s + o, sizeof(s) - o, "one=more");
    assert_int_equal(http_query_parse(a, s, o, &p), ERR_LIMIT);
    /* http_params_add refuses past the limit too */
    assert_int_equal(http_params_add(&p, "x", "y"), ERR_LIMIT);
    p.count = 0;
    assert_int_equal(http_params_add(&p, "x", "y"), 0);
    assert_string_equal(http_params_get(&p, "x"), "y");
    arena_free(a);
}

static void test_query_long_values(void **state)
{
    (void)state;
    size_t n = LIMIT_HTTP_PARAM_BYTES;
    char *s = malloc(3 * (n + 1) + 8);
    assert_non_null(s);
    Arena *a = arena_new(1 << 20);
    HttpParams p;
    /* a value of exactly the limit */
    memcpy(s, "v=", 2);
    memset(s + 2, 'x', n);
    assert_int_equal(http_query_parse(a, s, n + 2, &p), 0);
    assert_int_equal(strlen(p.items[0].value), n);
    /* one more byte */
    s[n + 2] = 'x';
    assert_int_equal(http_query_parse(a, s, n + 3, &p), ERR_LIMIT);
    /* the limit is on the decoded size: n escapes (3n raw bytes) are fine */
    memcpy(s, "v=", 2);
    for (size_t i = 0; i < n; i++)
        memcpy(s + 2 + 3 * i, "%41", 3);
    assert_int_equal(http_query_parse(a, s, 2 + 3 * n, &p), 0);
    assert_int_equal(strlen(p.items[0].value), n);
    /* a key too long */
    memset(s, 'k', n + 1);
    assert_int_equal(http_query_parse(a, s, n + 1, &p), ERR_LIMIT);
    free(s);
    arena_free(a);
}

static void test_query_arena_exhausted(void **state)
{
    (void)state;
    Arena *a = arena_new(64);
    HttpParams p;
    char s[512];
    memset(s, 'a', sizeof(s));
    s[1] = '=';
    assert_int_equal(http_query_parse(a, s, sizeof(s), &p), -ENOMEM);
    arena_free(a);
}

static void test_query_decode(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 16);
    assert_string_equal(http_query_decode(a, "a+b%20c", 7, 1, 100), "a b c");
    assert_string_equal(http_query_decode(a, "a+b%20c", 7, 0, 100), "a+b c");
    assert_string_equal(http_query_decode(a, "", 0, 1, 0), "");
    assert_string_equal(http_query_decode(a, "abc", 3, 1, 3), "abc");
    assert_null(http_query_decode(a, "abcd", 4, 1, 3));
    assert_string_equal(http_query_decode(a, "%41%42%43", 9, 1, 3), "ABC");
    assert_null(http_query_decode(a, "%4", 2, 1, 100));
    assert_null(http_query_decode(a, "%", 1, 1, 100));
    assert_null(http_query_decode(a, "%00", 3, 1, 100));
    assert_null(http_query_decode(a, "a\0b", 3, 1, 100));
    assert_null(http_query_decode(a, "%zz", 3, 1, 100));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_table),           cmocka_unit_test(test_query_repeated_keys),
        cmocka_unit_test(test_query_too_many),        cmocka_unit_test(test_query_long_values),
        cmocka_unit_test(test_query_arena_exhausted), cmocka_unit_test(test_query_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
