/*
 * test_subsonic_response.c - the Subsonic answer builder: one tree written as XML, JSON and
 * JSONP; lists that stay arrays with one item, declared empty lists, text values, escaping
 * of markup, control characters and invalid UTF-8, legacy documents without OpenSubsonic
 * fields, errors that replace the answer, the output limit and callback names.
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
        cmocka_unit_test(test_callback_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
