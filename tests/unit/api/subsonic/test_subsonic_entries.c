/*
 * test_subsonic_entries.c - the songs of playlist, bookmark, queue and share answers: the
 * Child fields written from a Song, unknown values left out, durations rounded, the
 * OpenSubsonic fields hidden from legacy clients, lists that stay arrays, and ISO 8601
 * times.
 */
#include "api/subsonic/subsonic_entries.h"
#include "core/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Writes `doc` as `format` and returns an Arena-owned copy of the text. */
static const char *written(Arena *a, SubsonicDoc *doc, SubsonicFormat format)
{
    Buf out;
    buf_init(&out, 1 << 20);
    assert_int_equal(subsonic_doc_write(doc, format, NULL, &out), 0);
    char *s = arena_strdup(a, out.data ? out.data : "");
    buf_free(&out);
    return s;
}

static Song song(void)
{
    Song s = {0};
    s.id = "s1";
    s.album_id = "al1";
    s.artist_id = "";
    s.title = "Blue & Hour";
    s.album = "Night";
    s.artist = "Marta";
    s.genre = "";
    s.format = "flac";
    s.path = "Marta/Night/01.flac";
    s.size = 1234;
    s.duration_ms = 4500;
    s.bitrate = 900;
    s.sample_rate = 44100;
    s.channels = 2;
    s.track = 1;
    return s;
}

/* Builds one answer with the song twice under a playlist node, for a client `legacy` or not. */
static const char *answer(Arena *a, bool legacy, SubsonicFormat format)
{
    HttpRequest req = {.arena = a};
    SubsonicCall call = {.req = &req};
    SubsonicDoc *doc = subsonic_doc_new(a, "9.9", legacy);
    call.doc = doc;
    call.root = subsonic_doc_root(doc);
    SubsonicNode *pl = subsonic_child(call.root, "playlist");
    Song songs[2] = {song(), song()};
    songs[1].id = "s2";
    songs[1].bit_depth = 24;
    SubsonicNode **nodes;
    assert_int_equal(subsonic_entries_songs(&call, pl, "entry", songs, 2, &nodes), 0);
    assert_non_null(nodes[0]);
    assert_non_null(nodes[1]);
    subsonic_entries_time(&call, pl, "created", 1700000000);
    subsonic_entries_time(&call, pl, "changed", 0);
    return written(a, doc, format);
}

static void test_song_fields_xml(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    const char *xml = answer(a, false, SUBSONIC_XML);
    assert_non_null(strstr(xml, "<playlist created=\"2023-11-14T22:13:20Z\">"));
    assert_non_null(strstr(xml, "<entry id=\"s1\" parent=\"al1\" isDir=\"false\" "
                                "title=\"Blue &amp; Hour\" album=\"Night\" artist=\"Marta\" "
                                "track=\"1\" size=\"1234\" contentType=\"audio/flac\" "
                                "suffix=\"flac\" duration=\"5\" bitRate=\"900\" "
                                "path=\"Marta/Night/01.flac\" albumId=\"al1\" type=\"music\" "
                                "mediaType=\"song\" samplingRate=\"44100\" channelCount=\"2\"/>"));
    assert_non_null(strstr(xml, "mediaType=\"song\" bitDepth=\"24\""));
    assert_null(strstr(xml, "changed="));
    assert_null(strstr(xml, "genre="));
    assert_null(strstr(xml, "artistId="));
    arena_free(a);
}

static void test_legacy_and_json(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    const char *legacy = answer(a, true, SUBSONIC_XML);
    assert_null(strstr(legacy, "mediaType"));
    assert_null(strstr(legacy, "samplingRate"));
    assert_non_null(strstr(legacy, "type=\"music\"/>"));
    const char *json = answer(a, false, SUBSONIC_JSON);
    assert_non_null(strstr(json, "\"entry\":[{\"id\":\"s1\""));
    assert_non_null(strstr(json, "\"duration\":5,\"bitRate\":900"));
    assert_non_null(strstr(json, "\"isDir\":false"));
    arena_free(a);
}

static void test_empty_list_is_an_array(void **state)
{
    (void)state;
    Arena *a = arena_new(1 << 20);
    HttpRequest req = {.arena = a};
    SubsonicCall call = {.req = &req};
    SubsonicDoc *doc = subsonic_doc_new(a, "9.9", false);
    call.root = subsonic_doc_root(doc);
    SubsonicNode *q = subsonic_child(call.root, "playQueue");
    assert_int_equal(subsonic_entries_songs(&call, q, "entry", NULL, 0, NULL), 0);
    assert_non_null(strstr(written(a, doc, SUBSONIC_JSON), "\"playQueue\":{\"entry\":[]}"));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_song_fields_xml),
        cmocka_unit_test(test_legacy_and_json),
        cmocka_unit_test(test_empty_list_is_an_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
