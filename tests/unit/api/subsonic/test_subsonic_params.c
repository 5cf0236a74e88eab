/*
 * test_subsonic_params.c - Subsonic parameters: query and form body merged in order,
 * repeated keys, bodies with more pairs than one query may hold, the overall limit, huge
 * and malformed values, content types that are not forms, strict numbers and booleans, and
 * the client compatibility list.
 */
#include "api/subsonic/subsonic.h"
#include "api/subsonic/subsonic_params.h"
#include "core/err.h"
#include "core/limits.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char FORM[] = "application/x-www-form-urlencoded";

/* Parses `query` and `body` (content type `ct`) into *ret. Returns the parser's result. */
static int parse(Arena *a, const char *query, const char *ct, const char *body, SubsonicParams *ret)
{
    HttpParams *q = arena_calloc(a, 1, sizeof(*q));
    assert_non_null(q);
    if (query)
        assert_int_equal(http_query_parse(a, query, strlen(query), q), 0);
    return subsonic_params_parse(a, q, ct, body, body ? strlen(body) : 0, ret);
}

static void test_query_and_form_merge(void **state)
{
    (void)state;
    Arena *a = arena_new(8 << 20);
    SubsonicParams p;
    assert_int_equal(parse(a, "id=1&f=json", FORM, "id=2&u=al%20ice&id=3&p=enc%3A61", &p), 0);
    assert_int_equal(p.count, 6);
    assert_string_equal(subsonic_params_get(&p, "f"), "json");
    assert_string_equal(subsonic_params_get(&p, "u"), "al ice");
    assert_string_equal(subsonic_params_get(&p, "p"), "enc:61");
    assert_null(subsonic_params_get(&p, "missing"));
    const char *ids[2];
    assert_int_equal(subsonic_params_all(&p, "id", ids, 2), 3); /* three, two written */
    assert_string_equal(ids[0], "1");
    assert_string_equal(ids[1], "2");
    /* charset after the type; upper case; a body of another type is ignored */
    assert_int_equal(parse(a, NULL, "Application/X-WWW-Form-Urlencoded; charset=UTF-8", "a=1", &p),
                     0);
    assert_string_equal(subsonic_params_get(&p, "a"), "1");
    assert_int_equal(parse(a, "x=1", "text/plain", "a=1", &p), 0);
    assert_null(subsonic_params_get(&p, "a"));
    assert_int_equal(parse(a, "x=1", "application/x-www-form-urlencodedX", "a=1", &p), 0);
    assert_null(subsonic_params_get(&p, "a"));
    assert_int_equal(parse(a, "x=1", NULL, "a=1", &p), 0);
    assert_int_equal(p.count, 1);
    arena_free(a);
}

static void test_many_pairs_and_limits(void **state)
{
    (void)state;
    Arena *a = arena_new(16 << 20);
    Buf body;
    buf_init(&body, 1 << 20);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(buf_printf(&body, "%sid=%d", i ? "&" : "", i), 0);
    SubsonicParams p;
    assert_int_equal(parse(a, "f=xml", FORM, body.data, &p), 0);
    assert_int_equal(p.count, 1001);
    const char *last;
    subsonic_params_all(&p, "id", &last, 1);
    assert_string_equal(last, "0");
    assert_string_equal(p.items[1000].value, "999");
    /* empty pairs between slices are skipped */
    assert_int_equal(parse(a, NULL, FORM, "&&a=1&&&&b=2&", &p), 0);
    assert_int_equal(p.count, 2);
    /* past LIMIT_SUBSONIC_PARAMS */
    buf_reset(&body);
    for (int i = 0; i < LIMIT_SUBSONIC_PARAMS; i++)
        assert_int_equal(buf_printf(&body, "%sid=%d", i ? "&" : "", i), 0);
    assert_int_equal(parse(a, NULL, FORM, body.data, &p), 0);
    assert_int_equal(parse(a, "one=more", FORM, body.data, &p), ERR_LIMIT);
    /* a value over LIMIT_HTTP_PARAM_BYTES, a bad escape, an encoded NUL */
    buf_reset(&body);
    assert_int_equal(buf_append_str(&body, "p="), 0);
    for (int i = 0; i <= LIMIT_HTTP_PARAM_BYTES; i++)
        assert_int_equal(buf_append_str(&body, "a"), 0);
    assert_int_equal(parse(a, NULL, FORM, body.data, &p), ERR_LIMIT);
    assert_int_equal(parse(a, NULL, FORM, "a=%zz", &p), ERR_PARSE);
    assert_int_equal(parse(a, NULL, FORM, "a=%00", &p), ERR_PARSE);
    buf_free(&body);
    arena_free(a);
}

static void test_numbers_and_booleans(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    SubsonicParams p;
    assert_int_equal(parse(a,
                           "n=42&neg=-1&big=99999999999999999999&word=12abc&empty=&sp=%201&"
                           "t=true&o=1&bad=maybe",
                           NULL, NULL, &p),
                     0);
    int64_t v = 0;
    assert_int_equal(subsonic_params_int(&p, "n", 0, 0, 500, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(subsonic_params_int(&p, "absent", 7, 0, 500, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(subsonic_params_int(&p, "n", 0, 0, 10, &v), -ERANGE);
    assert_int_equal(subsonic_params_int(&p, "neg", 0, 0, 10, &v), -ERANGE);
    assert_int_equal(subsonic_params_int(&p, "neg", 0, -5, 10, &v), 0);
    assert_int_equal(v, -1);
    assert_true(subsonic_params_int(&p, "big", 0, 0, INT64_MAX, &v) < 0);
    assert_int_equal(subsonic_params_int(&p, "word", 0, 0, 100, &v), -EINVAL);
    assert_int_equal(subsonic_params_int(&p, "empty", 0, 0, 100, &v), -EINVAL);
    assert_int_equal(subsonic_params_int(&p, "sp", 0, 0, 100, &v), -EINVAL);
    bool b = false;
    assert_int_equal(subsonic_params_bool(&p, "t", false, &b), 0);
    assert_true(b);
    assert_int_equal(subsonic_params_bool(&p, "o", false, &b), 0);
    assert_true(b);
    assert_int_equal(subsonic_params_bool(&p, "absent", false, &b), 0);
    assert_false(b);
    assert_int_equal(subsonic_params_bool(&p, "bad", false, &b), -EINVAL);
    arena_free(a);
}

static void test_legacy_clients(void **state)
{
    (void)state;
    assert_true(subsonic_legacy_client("DSub", "DSub"));
    assert_true(subsonic_legacy_client("DSub", "dsub"));
    assert_true(subsonic_legacy_client(" Foo , DSub ,Bar", "DSub"));
    assert_true(subsonic_legacy_client("Foo,Bar", "Bar"));
    assert_false(subsonic_legacy_client("DSub", "DSub2"));
    assert_false(subsonic_legacy_client("DSub", "DSu"));
    assert_false(subsonic_legacy_client("DSub", ""));
    assert_false(subsonic_legacy_client("DSub", NULL));
    assert_false(subsonic_legacy_client("", "DSub"));
    assert_false(subsonic_legacy_client(",,", ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_and_form_merge),
        cmocka_unit_test(test_many_pairs_and_limits),
        cmocka_unit_test(test_numbers_and_booleans),
        cmocka_unit_test(test_legacy_clients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
