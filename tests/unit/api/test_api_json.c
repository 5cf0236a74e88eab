/*
 * test_api_json.c - the ApiJson writer: text mode against jansson's own serialisation of the
 * same values (escapes, every control character, ill-formed UTF-8, integers, reals, null,
 * nesting), the failures it keeps (nesting mistakes, the text maximum), a 500-item page, and
 * the paged answer on a real response.
 */
#include "api/api_json.h"
#include "api/api_request.h"
#include "core/err.h"
#include "core/utf8.h"
#include "http/http_internal.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* What jansson prints for `v` (stolen) with JSON_COMPACT. Caller frees. */
static char *jansson_text(json_t *v)
{
    assert_non_null(v);
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(v);
    assert_non_null(s);
    return s;
}

/* Writes one string in text mode and checks it against jansson's print of the repaired
 * string. */
static void check_string(const char *s)
{
    Arena *arena = arena_new(1 << 20);
    ApiJson w;
    api_json_text(&w, 1 << 20);
    api_json_str(&w, NULL, s);
    assert_int_equal(api_json_status(&w), 0);
    char *want = jansson_text(json_string(utf8_repair(arena, s)));
    assert_string_equal(w.out.data, want);
    free(want);
    api_json_free(&w);
    arena_free(arena);
}

static void test_escapes(void **state)
{
    (void)state;
    check_string("");
    check_string("plain ascii");
    check_string("quote \" backslash \\ slash /");
    check_string("\b\f\n\r\t");
    check_string("caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x8e\xb5 \xef\xbb\xbf");
    check_string("\x7f del");
    /* every control character, one at a time */
    for (int c = 1; c < 0x20; c++) {
        char s[4] = {'a', (char)c, 'z', '\0'};
        check_string(s);
    }
    /* plain text is copied 8 bytes at a time: each byte that is not plain (and the edges of
     * the plain range), at every place of a longer text, alone or after another */
    static const char odd[] = {'"', '\\', '\x01', '\x1f', ' ', '~', '\x7f', '\x80', '\xc3', '\xff'};
    for (size_t i = 0; i < sizeof(odd); i++) {
        for (size_t at = 0; at < 20; at++) {
            char s[24];
            memset(s, 'm', 20);
            s[20] = '\0';
            s[at] = odd[i];
            check_string(s);
            s[(at + 9) % 20] = odd[(i + 3) % sizeof(odd)];
            check_string(s);
        }
    }
    check_string("caf\xc3\xa9 au lait, s'il vous pla\xc3\xaet \xe2\x80\x94 merci beaucoup");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    check_string("\xff");
    check_string("a\xc3");                 /* cut short at the end */
    check_string("\xc0\xaf");              /* overlong */
    check_string("\xed\xa0\x80");          /* a surrogate */
    check_string("\xf4\x90\x80\x80");      /* above U+10FFFF */
    check_string("x\xe2\x82y\x80z\"\x01"); /* mixed with escapes */
    /* every byte value after an ASCII letter and before a truncated sequence */
    for (int c = 0x80; c < 0x100; c++) {
        char s[5] = {'a', (char)c, '\xe2', '\x82', '\0'};
        check_string(s);
    }
}

static void test_numbers(void **state)
{
    (void)state;
    const int64_t ints[] = {0, 1, -1, 42, INT64_MAX, INT64_MIN, 1234567890123LL};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        ApiJson w;
        api_json_text(&w, 1024);
        api_json_int(&w, NULL, ints[i]);
        assert_int_equal(api_json_status(&w), 0);
        char *want = jansson_text(json_integer(ints[i]));
        assert_string_equal(w.out.data, want);
        free(want);
        api_json_free(&w);
    }
    const double reals[] = {0.0,  -0.0,    1.0,     -6.5,        -3.1,    0.98765, 1e21,
                            1e-7, 1.5e300, -2e-300, 123456789.0, 1.0 / 3, 5e-324};
    for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
        ApiJson w;
        api_json_text(&w, 1024);
        api_json_real(&w, NULL, reals[i]);
        assert_int_equal(api_json_status(&w), 0);
        char *want = jansson_text(json_real(reals[i]));
        assert_string_equal(w.out.data, want);
        free(want);
        api_json_free(&w);
    }
    ApiJson w;
    api_json_text(&w, 1024);
    api_json_array(&w, NULL);
    api_json_real(&w, NULL, NAN);
    api_json_real(&w, NULL, INFINITY);
    api_json_int_opt(&w, NULL, 0);
    api_json_int_opt(&w, NULL, 7);
    api_json_end(&w);
    assert_int_equal(api_json_status(&w), 0);
    assert_string_equal(w.out.data, "[null,null,null,7]");
    api_json_free(&w);
}

/* The same document through both modes; the text must equal jansson's print of the tree. */
static void write_document(ApiJson *w)
{
    api_json_object(w, NULL);
    api_json_str(w, "id", "abc");
    api_json_str(w, "none", NULL);
    api_json_opt_str(w, "empty", "");
    api_json_opt_str(w, "bad", "x\xff");
    api_json_bool(w, "yes", true);
    api_json_bool(w, "no", false);
    api_json_null(w, "nothing");
    api_json_array(w, "empty_list");
    api_json_end(w);
    api_json_object(w, "empty_object");
    api_json_end(w);
    api_json_array(w, "list");
    for (int i = 0; i < 3; i++) {
        api_json_object(w, NULL);
        api_json_int(w, "n", i);
        api_json_array(w, "nested");
        api_json_str(w, NULL, "deep");
        api_json_array(w, NULL);
        api_json_end(w);
        api_json_end(w);
        api_json_end(w);
    }
    api_json_end(w);
    api_json_real(w, "gain", -7.25);
    api_json_end(w);
}

static void test_text_equals_tree(void **state)
{
    (void)state;
    Arena *arena = arena_new(1 << 20);
    ApiJson text, tree;
    api_json_text(&text, 1 << 20);
    api_json_tree(&tree, arena);
    write_document(&text);
    write_document(&tree);
    assert_int_equal(api_json_status(&text), 0);
    char *want = jansson_text(api_json_take(&tree));
    assert_string_equal(text.out.data, want);
    free(want);
    api_json_free(&text);
    arena_free(arena);
}

static void test_mistakes(void **state)
{
    (void)state;
    Arena *arena = arena_new(1 << 20);
    for (int mode = 0; mode < 2; mode++) {
        ApiJson w;
        /* a key inside an array */
        mode ? api_json_tree(&w, arena) : api_json_text(&w, 1024);
        api_json_array(&w, NULL);
        api_json_int(&w, "k", 1);
        assert_int_equal(api_json_status(&w), -EINVAL);
        api_json_free(&w);
        /* no key inside an object */
        mode ? api_json_tree(&w, arena) : api_json_text(&w, 1024);
        api_json_object(&w, NULL);
        api_json_int(&w, NULL, 1);
        assert_int_equal(api_json_status(&w), -EINVAL);
        api_json_free(&w);
        /* left open */
        mode ? api_json_tree(&w, arena) : api_json_text(&w, 1024);
        api_json_object(&w, NULL);
        assert_int_equal(api_json_status(&w), -EINVAL);
        assert_null(mode ? api_json_take(&w) : NULL);
        api_json_free(&w);
        /* closed once too often, then two top-level values */
        mode ? api_json_tree(&w, arena) : api_json_text(&w, 1024);
        api_json_array(&w, NULL);
        api_json_end(&w);
        api_json_end(&w);
        assert_int_equal(api_json_status(&w), -EINVAL);
        api_json_free(&w);
        mode ? api_json_tree(&w, arena) : api_json_text(&w, 1024);
        api_json_int(&w, NULL, 1);
        api_json_int(&w, NULL, 2);
        assert_int_equal(api_json_status(&w), -EINVAL);
        api_json_free(&w);
        /* nothing written */
        mode ? api_json_tree(&w, arena) : api_json_text(&w, 1024);
        assert_int_equal(api_json_status(&w), -EINVAL);
        api_json_free(&w);
        /* too deep */
        mode ? api_json_tree(&w, arena) : api_json_text(&w, 1024);
        for (int i = 0; i <= API_JSON_DEPTH_MAX; i++)
            api_json_array(&w, NULL);
        assert_int_equal(api_json_status(&w), -EINVAL);
        api_json_free(&w);
    }
    arena_free(arena);
}

static void test_maximum(void **state)
{
    (void)state;
    ApiJson w;
    api_json_text(&w, 64);
    api_json_array(&w, NULL);
    for (int i = 0; i < 100; i++)
        api_json_str(&w, NULL, "0123456789");
    api_json_end(&w);
    assert_int_equal(api_json_status(&w), ERR_LIMIT);
    assert_true(w.out.len <= 64);
    api_json_free(&w);
}

/* A page of 500 items of 40 fields, as the largest list page is, against jansson. */
static void test_big_page(void **state)
{
    (void)state;
    Arena *arena = arena_new(64 << 20);
    ApiJson text, tree;
    api_json_text(&text, API_JSON_TEXT_MAX);
    api_json_tree(&tree, arena);
    ApiJson *ws[2] = {&text, &tree};
    for (int k = 0; k < 2; k++) {
        ApiJson *w = ws[k];
        api_json_object(w, NULL);
        api_json_array(w, "items");
        for (int i = 0; i < 500; i++) {
            char name[64];
            snprintf(name, sizeof(name), "song \"%d\"\t\xc3\xa9\xff", i);
            api_json_object(w, NULL);
            for (int f = 0; f < 10; f++) {
                static const char *const keys[] = {"a", "b", "c", "d", "e",
                                                   "f", "g", "h", "i", "j"};
                api_json_str(w, keys[f], name);
            }
            api_json_int(w, "n", i * 1000003LL);
            api_json_real(w, "r", i / 7.0);
            api_json_bool(w, "flag", i & 1);
            api_json_int_opt(w, "o", i % 3);
            api_json_end(w);
        }
        api_json_end(w);
        api_json_str(w, "next", "Y3Vyc29y");
        api_json_end(w);
    }
    assert_int_equal(api_json_status(&text), 0);
    char *want = jansson_text(api_json_take(&tree));
    assert_string_equal(text.out.data, want);
    assert_true(text.out.len > 100000);
    free(want);
    api_json_free(&text);
    arena_free(arena);
}

/* The paged answer on a real response: status, type, cache header and body. */
static void test_paged_send(void **state)
{
    (void)state;
    Arena *arena = arena_new(1 << 20);
    HttpRequest req = {.arena = arena, .method = "GET", .path = "/api/test"};
    HttpResponse res;
    http_response_init(&res, arena);
    ApiJson w;
    api_paged_start(&w);
    api_json_int(&w, NULL, 1);
    api_json_str(&w, NULL, "two");
    assert_int_equal(api_paged_send(&w, &req, &res, NULL), 0);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.kind, HTTP_BODY_MEM);
    assert_memory_equal(res.data, "{\"items\":[1,\"two\"],\"next\":null}", res.length);
    assert_string_equal(res.content_type, "application/json");
    http_response_clear(&res);

    http_response_init(&res, arena);
    api_paged_start(&w);
    assert_int_equal(api_paged_send(&w, &req, &res, "abc"), 0);
    assert_memory_equal(res.data, "{\"items\":[],\"next\":\"abc\"}", res.length);
    http_response_clear(&res);

    /* a writer that failed answers nothing */
    http_response_init(&res, arena);
    api_paged_start(&w);
    api_json_int(&w, "key in an array", 1);
    assert_int_equal(api_paged_send(&w, &req, &res, NULL), -EINVAL);
    assert_int_equal(res.kind, HTTP_BODY_NONE);
    http_response_clear(&res);
    arena_free(arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),  cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_numbers),  cmocka_unit_test(test_text_equals_tree),
        cmocka_unit_test(test_mistakes), cmocka_unit_test(test_maximum),
        cmocka_unit_test(test_big_page), cmocka_unit_test(test_paged_send),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
