/*
 * test_http_range.c - http_range_parse against a table of ordinary and hostile headers.
 */
#include "core/err.h"
#include "core/limits.h"
#include "http/http_range.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

typedef struct RangeCase {
    const char *header;
    uint64_t size;
    int want;
    uint64_t start;
    uint64_t length;
} RangeCase;

#define FULL    HTTP_RANGE_FULL
#define PARTIAL HTTP_RANGE_PARTIAL

static const RangeCase range_cases[] = {
    /* absent, other units, not a ranges-specifier: ignored */
    {NULL, 1000, FULL, 0, 0},
    {"items=0-1", 1000, FULL, 0, 0},
    {"bytes", 1000, FULL, 0, 0},
    {"", 1000, FULL, 0, 0},
    {"bytes =0-1", 1000, FULL, 0, 0},
    {"byte=0-1", 1000, FULL, 0, 0},
    {"bytesx=0-1", 1000, FULL, 0, 0},
    {"=0-1", 1000, FULL, 0, 0},
    /* single ranges */
    {"bytes=0-0", 1000, PARTIAL, 0, 1},
    {"bytes=0-499", 1000, PARTIAL, 0, 500},
    {"bytes=500-999", 1000, PARTIAL, 500, 500},
    {"bytes=500-", 1000, PARTIAL, 500, 500},
    {"bytes=0-", 1000, PARTIAL, 0, 1000},
    {"bytes=999-", 1000, PARTIAL, 999, 1},
    {"bytes=-500", 1000, PARTIAL, 500, 500},
    {"bytes=-1", 1000, PARTIAL, 999, 1},
    {"bytes=-1000", 1000, PARTIAL, 0, 1000},
    {"bytes=-5000", 1000, PARTIAL, 0, 1000},     /* suffix clamped */
    {"bytes=500-5000", 1000, PARTIAL, 500, 500}, /* last-pos clamped */
    {"bytes=0-18446744073709551615", 1000, PARTIAL, 0, 1000},
    {"BYTES=1-2", 1000, PARTIAL, 1, 2},
    {"Bytes=1-2", 1000, PARTIAL, 1, 2},
    {"  bytes=1-2  ", 1000, PARTIAL, 1, 2},
    {"bytes= 1-2 ", 1000, PARTIAL, 1, 2},
    {"bytes=\t1-2\t", 1000, PARTIAL, 1, 2},
    {"bytes=1-2,", 1000, PARTIAL, 1, 2}, /* empty list elements are allowed */
    {"bytes=,1-2", 1000, PARTIAL, 1, 2},
    {"bytes=, ,1-2, ,", 1000, PARTIAL, 1, 2},
    {"bytes=0000000000000000000000000001-2", 1000, PARTIAL, 1, 2},
    {"bytes=0-0", 1, PARTIAL, 0, 1},
    {"bytes=-1", 1, PARTIAL, 0, 1},
    /* not satisfiable */
    {"bytes=1000-", 1000, ERR_RANGE, 0, 0},
    {"bytes=1000-2000", 1000, ERR_RANGE, 0, 0},
    {"bytes=18446744073709551615-", 1000, ERR_RANGE, 0, 0},
    {"bytes=-0", 1000, ERR_RANGE, 0, 0},
    {"bytes=-00", 1000, ERR_RANGE, 0, 0},
    /* empty representation: every range is 416 */
    {"bytes=0-0", 0, ERR_RANGE, 0, 0},
    {"bytes=0-", 0, ERR_RANGE, 0, 0},
    {"bytes=-1", 0, ERR_RANGE, 0, 0},
    {"bytes=0-1,2-3", 0, ERR_RANGE, 0, 0},
    {"items=0-1", 0, FULL, 0, 0},
    /* malformed */
    {"bytes=", 1000, ERR_RANGE, 0, 0},
    {"bytes=,", 1000, ERR_RANGE, 0, 0},
    {"bytes= , ", 1000, ERR_RANGE, 0, 0},
    {"bytes=abc", 1000, ERR_RANGE, 0, 0},
    {"bytes=5-2", 1000, ERR_RANGE, 0, 0},
    {"bytes=-", 1000, ERR_RANGE, 0, 0},
    {"bytes=--1", 1000, ERR_RANGE, 0, 0},
    {"bytes=1--2", 1000, ERR_RANGE, 0, 0},
    {"bytes=+1-2", 1000, ERR_RANGE, 0, 0},
    {"bytes=1-+2", 1000, ERR_RANGE, 0, 0},
    {"bytes=-+2", 1000, ERR_RANGE, 0, 0},
    {"bytes=1 -2", 1000, ERR_RANGE, 0, 0},
    {"bytes=1- 2", 1000, ERR_RANGE, 0, 0},
    {"bytes=1-2-3", 1000, ERR_RANGE, 0, 0},
    {"bytes=1", 1000, ERR_RANGE, 0, 0},
    {"bytes=0x10-0x20", 1000, ERR_RANGE, 0, 0},
    {"bytes=1.5-2", 1000, ERR_RANGE, 0, 0},
    {"bytes=1-2;3-4", 1000, ERR_RANGE, 0, 0},
    {"bytes==1-2", 1000, ERR_RANGE, 0, 0},
    {"bytes=1-2,abc", 1000, ERR_RANGE, 0, 0}, /* one bad element spoils the header */
    {"bytes=1-2,5-2", 1000, ERR_RANGE, 0, 0},
    /* overflow */
    {"bytes=18446744073709551616-", 1000, ERR_RANGE, 0, 0},
    {"bytes=0-18446744073709551616", 1000, ERR_RANGE, 0, 0},
    {"bytes=-18446744073709551616", 1000, ERR_RANGE, 0, 0},
    {"bytes=99999999999999999999999999999-", 1000, ERR_RANGE, 0, 0},
    {"bytes=-18446744073709551615", 1000, PARTIAL, 0, 1000},
    /* several ranges: 200 when one is satisfiable, else 416 */
    {"bytes=0-1,2-3", 1000, FULL, 0, 0},
    {"bytes=0-1, 2000-3000", 1000, FULL, 0, 0},
    {"bytes=2000-3000, 0-1", 1000, FULL, 0, 0},
    {"bytes=2000-3000, 4000-", 1000, ERR_RANGE, 0, 0},
    {"bytes=0-1,0-1,0-1,0-1", 1000, FULL, 0, 0},
    {"bytes=2000-,-5", 1000, FULL, 0, 0},
    /* huge sizes */
    {"bytes=-1", UINT64_MAX, PARTIAL, UINT64_MAX - 1, 1},
    {"bytes=0-", UINT64_MAX, PARTIAL, 0, UINT64_MAX},
    {"bytes=18446744073709551614-", UINT64_MAX, PARTIAL, UINT64_MAX - 1, 1},
};

static void test_range_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(range_cases) / sizeof(range_cases[0]); i++) {
        const RangeCase *c = &range_cases[i];
        HttpRange r = {12345, 67890};
        int got = http_range_parse(c->header, c->size, &r);
        if (got != c->want)
            fail_msg("case %zu \"%s\" size %llu: got %d want %d", i,
                     c->header ? c->header : "(null)", (unsigned long long)c->size, got, c->want);
        if (c->want == PARTIAL) {
            if (r.start != c->start || r.length != c->length)
                fail_msg("case %zu \"%s\": got %llu+%llu want %llu+%llu", i, c->header,
                         (unsigned long long)r.start, (unsigned long long)r.length,
                         (unsigned long long)c->start, (unsigned long long)c->length);
        } else {
            /* out-parameter untouched unless the answer is partial */
            assert_int_equal(r.start, 12345);
            assert_int_equal(r.length, 67890);
        }
    }
}

static void test_range_too_long(void **state)
{
    (void)state;
    char h[LIMIT_HTTP_RANGE_BYTES + 64];
    /* "bytes=0-1" padded with OWS-separated empty elements to just the limit: parses */
    memset(h, ',', sizeof(h));
    memcpy(h, "bytes=0-1", 9);
    h[LIMIT_HTTP_RANGE_BYTES] = '\0';
    HttpRange r;
    assert_int_equal(http_range_parse(h, 100, &r), HTTP_RANGE_PARTIAL);
    /* one byte more: refused outright */
    h[LIMIT_HTTP_RANGE_BYTES] = ',';
    h[LIMIT_HTTP_RANGE_BYTES + 1] = '\0';
    assert_int_equal(http_range_parse(h, 100, &r), ERR_RANGE);
    /* a long other-unit header is refused by length too */
    memset(h, 'a', sizeof(h) - 1);
    h[sizeof(h) - 1] = '\0';
    assert_int_equal(http_range_parse(h, 100, &r), ERR_RANGE);
}

static void test_range_many_elements(void **state)
{
    (void)state;
    /* as many tiny elements as fit: still one decision, no quadratic blow-up */
    char h[LIMIT_HTTP_RANGE_BYTES + 1];
    size_t o = (size_t)snprintf(h, sizeof(h), "bytes=");
    while (o + 4 < LIMIT_HTTP_RANGE_BYTES)
        o += (size_t)snprintf(h + o, sizeof(h) - o, "0-0,");
    h[o] = '\0';
    HttpRange r;
    assert_int_equal(http_range_parse(h, 10, &r), HTTP_RANGE_FULL);
    assert_int_equal(http_range_parse(h, 0, &r), ERR_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_table),
        cmocka_unit_test(test_range_too_long),
        cmocka_unit_test(test_range_many_elements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
