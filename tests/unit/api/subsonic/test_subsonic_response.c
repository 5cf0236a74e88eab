/*
 * test_subsonic_response.c - the Subsonic answer builder: one tree written as XML, JSON and
 * JSONP; lists that stay arrays with one item, declared empty lists, text values, escaping
 * of markup, control characters and invalid UTF-8, legacy documents without OpenSubsonic
 * fields, errors that replace the answer, the output limit and callback names; runs (items
 * written as text ahead) byte for byte as the tree, at a million items without the request
 * arena growing, and within their text maximum.
 */
#include "api/subsonic/subsonic_response.h"
#include "core/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define HEAD_XML "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
#define ROOT_XML                                                                                   \
    "<subsonic-response xmlns=\"http://subsonic.org/restapi\" status=\"ok\" version=\"1.16.1\" "   \
    "type=\"swaz\" serverVersion=\"9.9\" openSubsonic=\"true\""
#define ROOT_JSON                                                                                  \
    "{\"subsonic-response\":{\"status\":\"ok\",\"version\":\"1.16.1\",\"type\":\"swaz\","          \
    "\"serverVersion\":\"9.9\",\"openSubsonic\":true"

/* Writes `doc` in `format` and returns an Arena-owned copy of the text. */
static const char *written(Arena *a, SubsonicDoc *doc, SubsonicFormat format, const char *cb)
{
    Buf out;
    buf_init(&out, 1 << 20);
    assert_int_equal(subsonic_doc_write(doc, format, cb, &out), 0);
    char *s = arena_strdup(a, out.data ? out.data : "");
    buf_free(&out);
    return s;
}

static void test_album_in_every_format(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    SubsonicDoc *doc = subsonic_doc_new(a, "9.9", false);
    SubsonicNode *album = subsonic_child(subsonic_doc_root(doc), "album");
    subsonic_str(album, "id", "al-1");
    subsonic_str(album, "name", "Rock & \"Roll\" <Live>");
    subsonic_int(album, "songCount", 1);
    subsonic_bool(album, "starred", false);
    subsonic_float(album, "gain", -6.5);
    subsonic_str(album, "absent", NULL);
    SubsonicNode *song = subsonic_item(album, "song");
    subsonic_str(song, "id", "s-1");
    subsonic_list(song, "genres");
    SubsonicNode *ext = subsonic_ext(album);
    subsonic_text(subsonic_item(ext, "moods"), "calm");
    assert_string_equal(written(a, doc, SUBSONIC_XML, NULL), HEAD_XML ROOT_XML
                        "><album id=\"al-1\" name=\"Rock &amp; &quot;Roll&quot; &lt;Live&gt;\" "
                        "songCount=\"1\" starred=\"false\" gain=\"-6.5\"><song id=\"s-1\"/>"
                        "<moods>calm</moods></album></subsonic-response>");
    assert_string_equal(written(a, doc, SUBSONIC_JSON, NULL), ROOT_JSON
                        ",\"album\":{\"id\":\"al-1\",\"name\":\"Rock & \\\"Roll\\\" "
                        "<Live>\",\"songCount\":1,\"starred\":false,\"gain\":-6.5,"
                        "\"song\":[{\"id\":\"s-1\",\"genres\":[]}],\"moods\":[\"calm\"]}}}");
    const char *p = written(a, doc, SUBSONIC_JSONP, "cb");
    assert_true(strncmp(p, "cb(" ROOT_JSON, strlen("cb(" ROOT_JSON)) == 0);
    assert_string_equal(p + strlen(p) - 5, "}}});");
    arena_free(a);
}

static void test_children_group_and_text(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    SubsonicDoc *doc = subsonic_doc_new(a, "9.9", false);
    SubsonicNode *root = subsonic_doc_root(doc);
    SubsonicNode *idx = subsonic_child(root, "indexes");
    /* two children of one name without subsonic_item still become an array */
    subsonic_str(subsonic_child(idx, "index"), "name", "A");
    subsonic_str(subsonic_child(idx, "shortcut"), "name", "S");
    subsonic_str(subsonic_child(idx, "index"), "name", "B");
    SubsonicNode *lyrics = subsonic_child(root, "lyrics");
    subsonic_str(lyrics, "artist", "X");
    subsonic_text(lyrics, "line 1\nline 2\t<b>");
    SubsonicNode *ext = subsonic_item(root, "openSubsonicExtensions");
    subsonic_str(ext, "name", "formPost");
    subsonic_text_int(subsonic_item(ext, "versions"), 1);
    subsonic_text_int(subsonic_item(ext, "versions"), 2);
    assert_string_equal(written(a, doc, SUBSONIC_XML, NULL),
                        HEAD_XML ROOT_XML "><indexes><index name=\"A\"/><index name=\"B\"/>"
                                          "<shortcut name=\"S\"/></indexes><lyrics artist=\"X\">"
                                          "line 1\nline 2\t&lt;b&gt;</lyrics>"
                                          "<openSubsonicExtensions name=\"formPost\"><versions>1"
                                          "</versions><versions>2</versions>"
                                          "</openSubsonicExtensions></subsonic-response>");
    assert_string_equal(written(a, doc, SUBSONIC_JSON, NULL),
                        ROOT_JSON ",\"indexes\":{\"index\":[{\"name\":\"A\"},{\"name\":\"B\"}],"
                                  "\"shortcut\":{\"name\":\"S\"}},\"lyrics\":{\"artist\":\"X\","
                                  "\"value\":\"line 1\\nline 2\\t<b>\"},"
                                  "\"openSubsonicExtensions\":[{\"name\":\"formPost\","
                                  "\"versions\":[1,2]}]}}");
    arena_free(a);
}

static void test_escaping(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    SubsonicDoc *doc = subsonic_doc_new(a, "9.9", false);
    SubsonicNode *n = subsonic_child(subsonic_doc_root(doc), "x");
    /* control characters, a tab and newline in an attribute, invalid UTF-8, U+2028 */
    subsonic_str(n, "a", "q'\x01\t\n\r\x7f\xff\xe2\x80\xa8\\");
    const char *xml = written(a, doc, SUBSONIC_XML, NULL);
    assert_non_null(strstr(xml, "<x a=\"q&apos;&#9;&#10;&#13;\xef\xbf\xbd\xe2\x80\xa8\\\"/>"));
    const char *json = written(a, doc, SUBSONIC_JSON, NULL);
    assert_non_null(
        strstr(json, "\"x\":{\"a\":\"q'\\u0001\\t\\n\\r\x7f\xef\xbf\xbd\\u2028\\\\\"}"));
    arena_free(a);
}

static void test_legacy_and_errors(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    SubsonicDoc *doc = subsonic_doc_new(a, "9.9", true);
    assert_true(subsonic_doc_legacy(doc));
    SubsonicNode *song = subsonic_child(subsonic_doc_root(doc), "song");
    subsonic_str(song, "id", "1");
    SubsonicNode *ext = subsonic_ext(song);
    assert_null(ext);
    subsonic_str(ext, "displayArtist", "hidden");
    subsonic_item(ext, "genres");
    assert_string_equal(written(a, doc, SUBSONIC_JSON, NULL),
                        "{\"subsonic-response\":{\"status\":\"ok\",\"version\":\"1.16.1\","
                        "\"song\":{\"id\":\"1\"}}}");
    subsonic_doc_error(doc, 70, "not found", "https://example.org/help");
    assert_string_equal(written(a, doc, SUBSONIC_XML, NULL),
                        HEAD_XML "<subsonic-response xmlns=\"http://subsonic.org/restapi\" "
                                 "status=\"failed\" version=\"1.16.1\"><error code=\"70\" "
                                 "message=\"not found\"/></subsonic-response>");
    SubsonicDoc *open = subsonic_doc_new(a, "9.9", false);
    subsonic_doc_error(open, 40, "wrong", "https://example.org/help");
    assert_string_equal(written(a, open, SUBSONIC_JSON, NULL),
                        "{\"subsonic-response\":{\"status\":\"failed\",\"version\":\"1.16.1\","
                        "\"type\":\"swaz\",\"serverVersion\":\"9.9\",\"openSubsonic\":true,"
                        "\"error\":{\"code\":40,\"message\":\"wrong\","
                        "\"helpUrl\":\"https://example.org/help\"}}}");
    arena_free(a);
}

static void test_limits(void **state)
{
    (void)state;
    /* out of arena memory: the document is marked, writing fails with -ENOMEM */
    Arena *a = arena_new(4096);
    SubsonicDoc *doc = subsonic_doc_new(a, "9.9", false);
    assert_non_null(doc);
    SubsonicNode *root = subsonic_doc_root(doc);
    for (int i = 0; i < 1000; i++)
        subsonic_str(subsonic_item(root, "song"), "id", "x");
    Buf out;
    buf_init(&out, 1 << 20);
    assert_int_equal(subsonic_doc_write(doc, SUBSONIC_JSON, NULL, &out), -ENOMEM);
    buf_free(&out);
    arena_free(a);
    /* past the output buffer's maximum: ERR_LIMIT */
    a = arena_new(1 << 20);
    doc = subsonic_doc_new(a, "9.9", false);
    for (int i = 0; i < 100; i++)
        subsonic_str(subsonic_item(subsonic_doc_root(doc), "song"), "id", "0123456789");
    buf_init(&out, 512);
    assert_int_equal(subsonic_doc_write(doc, SUBSONIC_XML, NULL, &out), ERR_LIMIT);
    buf_free(&out);
    arena_free(a);
}

/* Names that exercise every escape of both writers. */
static const char *const run_names[] = {
    "Plain",
    "Rock & \"Roll\" <Live>",
    "it's",
    "tab\there\nnew\rline",
    "ctl\x01\x7f",
    "bad \xff utf8",
    "sep \xe2\x80\xa8 \xe2\x80\xa9",
    "back\\slash",
    "\xc3\x98re caf\xc3\xa9",
};
#define RUN_NAMES (sizeof(run_names) / sizeof(run_names[0]))

/* Adds artist `i` as an item of `parent`: strings, numbers, booleans, floats, a time, text,
 * a nested list and an OpenSubsonic-only field, as subsonic_items writes an artist. */
static SubsonicNode *run_artist(SubsonicNode *parent, const char *elem, size_t i)
{
    SubsonicNode *n = subsonic_item(parent, elem);
    char id[32];
    snprintf(id, sizeof(id), "ar-%zu", i);
    subsonic_str(n, "id", arena_strdup(subsonic_node_arena(n), id));
    subsonic_str(n, "name", run_names[i % RUN_NAMES]);
    subsonic_int(n, "albumCount", (int64_t)i * 7 - 3);
    if (i % 3 == 0)
        subsonic_time(n, "starred", 1700000000 + (int64_t)i);
    if (i % 4 == 1)
        subsonic_float(n, "gain", -6.25);
    subsonic_bool(n, "flag", i % 2 == 0);
    SubsonicNode *x = subsonic_ext(n);
    subsonic_str(x, "sortName", run_names[(i + 1) % RUN_NAMES]);
    subsonic_list(x, "genres");
    if (i % 5 == 0)
        subsonic_text(subsonic_item(x, "genres"), "Jazz");
    return n;
}

/* The same index written as a tree and with runs: letter `l` < 4 holds the artists i with
 * i % 4 == l ("B" has a tree item before its run, "D" an empty run). */
static const char *run_index(Arena *out, SubsonicFormat format, bool legacy, bool runs)
{
    enum { N = 41 };
    Arena *a = arena_new(1 << 20);
    SubsonicDoc *doc = subsonic_doc_new(a, "9.9", legacy);
    SubsonicNode *top = subsonic_child(subsonic_doc_root(doc), "artists");
    subsonic_str(top, "ignoredArticles", "The");
    subsonic_list(top, "index");
    for (size_t l = 0; l < 5; l++) {
        SubsonicNode *idx = subsonic_item(top, "index");
        subsonic_str(idx, "name", (const char *[]){"#", "A", "B", "C", "D"}[l]);
        if (l == 2)
            run_artist(idx, "artist", 1000);
        if (!runs) {
            subsonic_list(idx, "artist");
            for (size_t i = l; i < N && l < 4; i += 4)
                run_artist(idx, "artist", i);
            continue;
        }
        SubsonicRun *run = subsonic_run_new(doc, format);
        assert_non_null(run);
        Arena *scratch = NULL;
        SubsonicNode *parent = NULL;
        for (size_t i = l; i < N && l < 4; i += 4) {
            if (i % 3 == l % 3) { /* a new scratch document now and then, as pages do */
                arena_free(scratch);
                scratch = arena_new(1 << 16);
                parent = subsonic_doc_root(subsonic_doc_new(scratch, NULL, legacy));
            }
            assert_int_equal(subsonic_run_add(run, run_artist(parent, "artist", i)), 0);
        }
        arena_free(scratch);
        subsonic_run_attach(idx, "artist", run);
    }
    const char *text = written(out, doc, format, format == SUBSONIC_JSONP ? "cb" : NULL);
    subsonic_doc_free(doc);
    arena_free(a);
    return text;
}

static void test_run_same_as_tree(void **state)
{
    (void)state;
    Arena *a = arena_new(8 << 20);
    for (int f = SUBSONIC_XML; f <= SUBSONIC_JSONP; f++) {
        for (int legacy = 0; legacy <= 1; legacy++) {
            const char *tree = run_index(a, (SubsonicFormat)f, legacy, false);
            const char *runs = run_index(a, (SubsonicFormat)f, legacy, true);
            assert_string_equal(runs, tree);
            /* the fields that make the comparison worth it are there */
            assert_non_null(strstr(tree, f == SUBSONIC_XML ? "&quot;Roll&quot;" : "\\\"Roll\\\""));
            assert_true(legacy == !strstr(tree, "sortName"));
        }
    }
    /* an empty run is an empty list: [] in JSON, nothing in XML */
    assert_non_null(
        strstr(run_index(a, SUBSONIC_JSON, false, true), "{\"name\":\"D\",\"artist\":[]}"));
    arena_free(a);
}

static void test_run_million_items(void **state)
{
    (void)state;
    enum { N = 1000000, PAGE = 500 };
    /* the document's arena is small: the items never live there */
    Arena *a = arena_new(1 << 14);
    SubsonicDoc *doc = subsonic_doc_new(a, "9.9", false);
    SubsonicRun *run = subsonic_run_new(doc, SUBSONIC_JSON);
    assert_non_null(run);
    size_t used = arena_used(a);
    Arena *scratch = NULL;
    SubsonicNode *page = NULL;
    for (size_t i = 0; i < N; i++) {
        if (i % PAGE == 0) {
            arena_free(scratch);
            scratch = arena_new(1 << 20);
            page = subsonic_doc_root(subsonic_doc_new(scratch, NULL, false));
        }
        SubsonicNode *n = subsonic_item(page, "artist");
        char id[16];
        snprintf(id, sizeof(id), "%07zu", i);
        subsonic_str(n, "id", arena_strdup(scratch, id));
        subsonic_int(n, "albumCount", 2);
        assert_int_equal(subsonic_run_add(run, n), 0);
    }
    arena_free(scratch);
    assert_int_equal(arena_used(a), used);
    assert_int_equal(subsonic_run_count(run), N);
    /* {"id":"0000000","albumCount":2} and a comma between items */
    size_t item = strlen("{\"id\":\"0000000\",\"albumCount\":2}");
    assert_int_equal(subsonic_doc_text_bytes(doc), N * item + (N - 1));
    subsonic_run_attach(subsonic_child(subsonic_doc_root(doc), "artists"), "artist", run);
    Buf out;
    buf_init(&out, (size_t)N * 64);
    assert_int_equal(subsonic_doc_write(doc, SUBSONIC_JSON, NULL, &out), 0);
    assert_true(arena_used(a) - used < 1024); /* the envelope's strings, not the items */
    assert_non_null(strstr(out.data, "\"artists\":{\"artist\":[{\"id\":\"0000000\","));
    const char *tail = "{\"id\":\"0999999\",\"albumCount\":2}]}}}";
    assert_string_equal(out.data + out.len - strlen(tail), tail);
    buf_free(&out);
    subsonic_doc_free(doc);
    arena_free(a);
}

static void test_run_limits(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    SubsonicDoc *doc = subsonic_doc_new(a, "9.9", false);
    subsonic_doc_text_max(doc, 100);
    SubsonicRun *one = subsonic_run_new(doc, SUBSONIC_XML);
    SubsonicRun *two = subsonic_run_new(doc, SUBSONIC_XML);
    SubsonicNode *item = subsonic_item(subsonic_doc_root(doc), "a");
    subsonic_str(item, "id", "0123456789"); /* <a id="0123456789"/>: 20 bytes */
    for (int i = 0; i < 3; i++)
        assert_int_equal(subsonic_run_add(one, item), 0);
    assert_int_equal(subsonic_run_add(two, item), 0);
    assert_int_equal(subsonic_doc_text_bytes(doc), 80);
    subsonic_str(item, "x", "0123456789"); /* now 35 bytes: past what is left to both runs */
    assert_int_equal(subsonic_run_add(one, item), ERR_LIMIT);
    assert_int_equal(subsonic_run_add(two, item), ERR_LIMIT);
    assert_int_equal(subsonic_run_count(one), 3);
    assert_int_equal(subsonic_run_count(two), 1);
    assert_int_equal(subsonic_doc_text_bytes(doc), 80);
    /* a run written in the other format is refused, not mixed in */
    SubsonicNode *top = subsonic_child(subsonic_doc_root(doc), "top");
    subsonic_run_attach(top, "a", one);
    Buf out;
    buf_init(&out, 1 << 20);
    assert_int_equal(subsonic_doc_write(doc, SUBSONIC_JSON, NULL, &out), -EINVAL);
    assert_int_equal(out.len, 0);
    assert_int_equal(subsonic_doc_write(doc, SUBSONIC_XML, NULL, &out), 0);
    assert_non_null(strstr(out.data, "<top><a id=\"0123456789\"/><a id=\"0123456789\"/>"
                                     "<a id=\"0123456789\"/></top>"));
    /* the attached run's text went into the answer; the other run still holds its own */
    assert_int_equal(subsonic_doc_text_bytes(doc), 20);
    buf_reset(&out);
    assert_int_equal(subsonic_doc_write(doc, SUBSONIC_XML, NULL, &out), -EINVAL);
    /* an error replaces the answer and may be written */
    subsonic_doc_error(doc, 0, "too large", NULL);
    assert_int_equal(subsonic_doc_write(doc, SUBSONIC_XML, NULL, &out), 0);
    assert_non_null(strstr(out.data, "message=\"too large\""));
    buf_free(&out);
    subsonic_doc_free(doc);
    subsonic_doc_free(doc); /* twice, and NULL, are harmless */
    subsonic_doc_free(NULL);
    arena_free(a);
    /* the output's maximum applies to what the runs hold */
    a = arena_new(1 << 20);
    doc = subsonic_doc_new(a, "9.9", false);
    SubsonicRun *many = subsonic_run_new(doc, SUBSONIC_XML);
    item = subsonic_item(subsonic_doc_root(doc), "a");
    for (int i = 0; i < 100; i++)
        assert_int_equal(subsonic_run_add(many, item), 0);
    subsonic_run_attach(subsonic_doc_root(doc), "b", many);
    buf_init(&out, 512);
    assert_int_equal(subsonic_doc_write(doc, SUBSONIC_XML, NULL, &out), ERR_LIMIT);
    buf_free(&out);
    subsonic_doc_free(doc);
    arena_free(a);
    /* an item from a document that ran out of memory is refused */
    a = arena_new(4096);
    doc = subsonic_doc_new(a, "9.9", false);
    SubsonicRun *run = subsonic_run_new(doc, SUBSONIC_JSON);
    Arena *tiny = arena_new(1024);
    SubsonicDoc *scratch = subsonic_doc_new(tiny, NULL, false);
    SubsonicNode *big = subsonic_item(subsonic_doc_root(scratch), "a");
    for (int i = 0; i < 100; i++)
        subsonic_str(big, "k", "v");
    assert_int_equal(subsonic_run_add(run, big), -ENOMEM);
    assert_int_equal(subsonic_run_count(run), 0);
    arena_free(tiny);
    subsonic_doc_free(doc);
    arena_free(a);
}

static void test_callback_names(void **state)
{
    (void)state;
    static const char *const good[] = {"cb", "jQuery123_456", "$", "a.b.c", "_x$"};
    static const char *const bad[] = {
        "",     "1a",  ".a",
        "a(b)", "a b", "a;b",
        "a\"",  "a-b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(subsonic_callback_valid(good[i]));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(subsonic_callback_valid(bad[i]));
    assert_false(subsonic_callback_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_album_in_every_format),
        cmocka_unit_test(test_children_group_and_text),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_legacy_and_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_run_same_as_tree),
        cmocka_unit_test(test_run_million_items),
        cmocka_unit_test(test_run_limits),
        cmocka_unit_test(test_callback_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
