/* test_media_probe.c - probing real files written by the test: facts, tags, hostile input. */
#include "core/err.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "media/media_probe.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

static void test_wav_with_tags(void **state)
{
    (void)state;
    media_init();
    char *dir = testutil_tmpdir();
    char path[1024];
    snprintf(path, sizeof(path), "%s/a.wav", dir);
    const char *info[] = {"INAM",     "  Café Title  ", "IART",       "The Artist", "IPRD",
                          "An Album", "ICRD",           "2004-05-01", "IGNR",       "Jazz",
                          "IPRT",     "3/12",           NULL};
    testutil_write_wav(path, 2.0, info);
    Arena *a = arena_new(1 << 20);
    MediaInfo mi;
    assert_int_equal(media_probe(path, a, &mi), 0);
    assert_string_equal(mi.format, "wav");
    assert_string_equal(mi.codec, "pcm_s16le");
    assert_int_equal(mi.sample_rate, 44100);
    assert_int_equal(mi.channels, 2);
    assert_in_range(mi.duration_ms, 1990, 2010);
    assert_int_equal(mi.bitrate_kbps, 1411);
    assert_string_equal(mi.title, "Café Title");
    assert_string_equal(mi.artist, "The Artist");
    assert_string_equal(mi.album, "An Album");
    assert_string_equal(mi.genre, "Jazz");
    assert_string_equal(mi.album_artist, "");
    assert_int_equal(mi.year, 2004);
    assert_int_equal(mi.track, 3);
    assert_int_equal(mi.disc, 0);
    assert_false(mi.has_picture);
    assert_string_equal(media_content_type(mi.format), "audio/wav");
    arena_free(a);
    testutil_rmrf(dir);
    free(dir);
}

static void test_long_tag_is_cut(void **state)
{
    (void)state;
    char *dir = testutil_tmpdir();
    char path[1024];
    snprintf(path, sizeof(path), "%s/long.wav", dir);
    /* 2,500 two-byte characters: 5,000 bytes, cut to LIMIT_TAG_BYTES on a boundary. */
    char *title = malloc(5001);
    for (int i = 0; i < 2500; i++)
        memcpy(title + 2 * i, "\xc3\xa9", 2);
    title[5000] = '\0';
    const char *info[] = {"INAM", title, NULL};
    testutil_write_wav(path, 0.5, info);
    Arena *a = arena_new(1 << 20);
    MediaInfo mi;
    assert_int_equal(media_probe(path, a, &mi), 0);
    assert_true(strlen(mi.title) <= LIMIT_TAG_BYTES);
    assert_int_equal(strlen(mi.title) % 2, 0);
    arena_free(a);
    free(title);
    testutil_rmrf(dir);
    free(dir);
}

static void test_hostile_files(void **state)
{
    (void)state;
    char *dir = testutil_tmpdir();
    char path[1024];
    Arena *a = arena_new(1 << 20);
    MediaInfo mi;

    snprintf(path, sizeof(path), "%s/missing.mp3", dir);
    assert_int_equal(media_probe(path, a, &mi), -ENOENT);

    snprintf(path, sizeof(path), "%s/empty.mp3", dir);
    testutil_write_file(path, "", 0);
    assert_true(media_probe(path, a, &mi) < 0);

    snprintf(path, sizeof(path), "%s/text.flac", dir);
    const char *text = "this is not audio at all, just some words\n";
    testutil_write_file(path, text, strlen(text));
    assert_true(media_probe(path, a, &mi) < 0);

    /* A WAV header promising far more data than the file holds. */
    snprintf(path, sizeof(path), "%s/trunc.wav", dir);
    testutil_write_wav(path, 1.0, NULL);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), 60), 0);
    fclose(f);
    int r = media_probe(path, a, &mi);
    assert_true(r == 0 || r == ERR_MEDIA);

    snprintf(path, sizeof(path), "%s", dir);
    assert_true(media_probe(path, a, &mi) < 0);
    arena_free(a);
    testutil_rmrf(dir);
    free(dir);
}

/* Looks a raw tag up by key (exact case); NULL when absent. */
static const char *raw_tag(const MediaInfo *mi, const char *key)
{
    for (size_t i = 0; i < mi->n_tags; i++) {
        if (strcmp(mi->tags[i].key, key) == 0)
            return mi->tags[i].value;
    }
    return NULL;
}

static void test_raw_tags_and_bit_depth(void **state)
{
    (void)state;
    char *dir = testutil_tmpdir();
    char path[1024];
    snprintf(path, sizeof(path), "%s/raw.wav", dir);
    const char *info[] = {"INAM", " Title ",  "IART", "Bad \xff\xfe bytes", "ICMT", "note",
                          "IGNR", "Rock;Pop", NULL};
    testutil_write_wav(path, 0.5, info);
    Arena *a = arena_new(1 << 20);
    MediaInfo mi;
    assert_int_equal(media_probe(path, a, &mi), 0);
    assert_int_equal(mi.bit_depth, 16);
    assert_true(mi.n_tags >= 4 && mi.n_tags <= MEDIA_PROBE_MAX_TAGS);
    for (size_t i = 0; i < mi.n_tags; i++) {
        assert_true(utf8_valid(mi.tags[i].key, strlen(mi.tags[i].key)));
        assert_true(utf8_valid(mi.tags[i].value, strlen(mi.tags[i].value)));
        assert_true(strlen(mi.tags[i].value) <= LIMIT_TAG_BYTES);
    }
    /* libavformat's RIFF INFO names: INAM title, IART artist, ICMT comment, IGNR genre. */
    assert_string_equal(raw_tag(&mi, "title"), "Title");
    assert_string_equal(raw_tag(&mi, "artist"), "Bad \xef\xbf\xbd\xef\xbf\xbd bytes");
    assert_string_equal(raw_tag(&mi, "comment"), "note");
    assert_string_equal(raw_tag(&mi, "genre"), "Rock;Pop");
    assert_string_equal(mi.title, "Title");
    assert_string_equal(mi.genre, "Rock;Pop");
    arena_free(a);
    testutil_rmrf(dir);
    free(dir);
}

static void test_content_types(void **state)
{
    (void)state;
    assert_string_equal(media_content_type("mp3"), "audio/mpeg");
    assert_string_equal(media_content_type("flac"), "audio/flac");
    assert_string_equal(media_content_type("opus"), "audio/ogg");
    assert_string_equal(media_content_type("m4a"), "audio/mp4");
    assert_string_equal(media_content_type("nonsense"), "application/octet-stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wav_with_tags), cmocka_unit_test(test_long_tag_is_cut),
        cmocka_unit_test(test_hostile_files), cmocka_unit_test(test_raw_tags_and_bit_depth),
        cmocka_unit_test(test_content_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
