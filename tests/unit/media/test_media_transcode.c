/* test_media_transcode.c - in-process transcoding of a WAV into every target, through a
 * memory sink; tags carried into every container that keeps them; a failing sink stops at
 * once with -EPIPE; bad input is an error. */
#include "core/arena.h"
#include "core/err.h"
#include "media/media_probe.h"
#include "media/media_transcode.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

typedef struct MemSink {
    uint8_t *data;
    size_t len;
    size_t cap;
    int calls;
    int fail_after; /* fail on this call (1-based); 0: never */
} MemSink;

static int mem_write(void *ctx, const uint8_t *buf, size_t len)
{
    MemSink *m = ctx;
    m->calls++;
    if (m->fail_after && m->calls >= m->fail_after)
        return -EPIPE;
    if (m->len + len > m->cap) {
        size_t cap = (m->len + len) * 2;
        uint8_t *p = realloc(m->data, cap);
        assert_non_null(p);
        m->data = p;
        m->cap = cap;
    }
    memcpy(m->data + m->len, buf, len);
    m->len += len;
    return 0;
}

static char *make_wav(char **ret_dir, double seconds)
{
    media_init();
    char *dir = testutil_tmpdir();
    char *path = malloc(1024);
    assert_non_null(path);
    snprintf(path, 1024, "%s/tone.wav", dir);
    testutil_write_wav(path, seconds, NULL);
    *ret_dir = dir;
    return path;
}

static void drop_wav(char *dir, char *path)
{
    testutil_rmrf(dir);
    free(dir);
    free(path);
}

static size_t transcode_len(const char *path, MediaTranscodeFormat f, int kbps, int64_t off,
                            MemSink *m)
{
    MediaTranscodeOptions o = {.format = f, .bitrate_kbps = kbps, .offset_ms = off};
    assert_int_equal(media_transcode(path, &o, mem_write, m), 0);
    return m->len;
}

static void test_mp3(void **state)
{
    (void)state;
    char *dir;
    char *path = make_wav(&dir, 3.0);
    MemSink m = {0};
    size_t n = transcode_len(path, MEDIA_TRANSCODE_MP3, 128, 0, &m);
    assert_true(n > 1000);
    bool id3 = memcmp(m.data, "ID3", 3) == 0;
    bool sync = m.data[0] == 0xFF && (m.data[1] & 0xE0) == 0xE0;
    assert_true(id3 || sync);
    /* 3 s at 128 kbps is about 48,000 bytes */
    assert_in_range(n, 40000, 60000);
    MemSink later = {0};
    size_t shorter = transcode_len(path, MEDIA_TRANSCODE_MP3, 128, 1000, &later);
    assert_true(shorter < n - 10000);
    free(later.data);
    free(m.data);
    assert_string_equal(media_transcode_content_type(MEDIA_TRANSCODE_MP3), "audio/mpeg");
    drop_wav(dir, path);
}

static void test_other_targets(void **state)
{
    (void)state;
    char *dir;
    char *path = make_wav(&dir, 2.0);
    MemSink opus = {0}, aac = {0}, flac = {0};
    transcode_len(path, MEDIA_TRANSCODE_OPUS, 96, 0, &opus);
    assert_memory_equal(opus.data, "OggS", 4);
    transcode_len(path, MEDIA_TRANSCODE_AAC, 128, 0, &aac);
    assert_true(aac.data[0] == 0xFF && (aac.data[1] & 0xF0) == 0xF0);
    transcode_len(path, MEDIA_TRANSCODE_FLAC, 0, 0, &flac);
    assert_memory_equal(flac.data, "fLaC", 4);
    free(opus.data);
    free(aac.data);
    free(flac.data);
    drop_wav(dir, path);
}

/* The source's tags come out in mp3 (ID3v2), Ogg Opus and FLAC (Vorbis comments) and
 * fragmented MP4, read back by our own prober. */
static void test_tags_carried(void **state)
{
    (void)state;
    media_init();
    char *dir = testutil_tmpdir();
    char src[1024], out[1100];
    snprintf(src, sizeof(src), "%s/tagged.wav", dir);
    const char *const info[] = {"INAM", "Tagged Title", "IART", "Tag Artist",
                                "IPRD", "Tag Album",    NULL};
    testutil_write_wav(src, 2.0, info);
    const MediaTranscodeFormat formats[] = {MEDIA_TRANSCODE_MP3, MEDIA_TRANSCODE_OPUS,
                                            MEDIA_TRANSCODE_FLAC, MEDIA_TRANSCODE_M4A};
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        MemSink m = {0};
        transcode_len(src, formats[i], 96, 0, &m);
        if (formats[i] == MEDIA_TRANSCODE_M4A)
            assert_memory_equal(m.data + 4, "ftyp", 4);
        snprintf(out, sizeof(out), "%s/out.%s", dir, media_transcode_format_name(formats[i]));
        testutil_write_file(out, m.data, m.len);
        free(m.data);
        Arena *a = arena_new(1 << 20);
        MediaInfo mi;
        assert_int_equal(media_probe(out, a, &mi), 0);
        assert_string_equal(mi.title, "Tagged Title");
        assert_string_equal(mi.artist, "Tag Artist");
        assert_string_equal(mi.album, "Tag Album");
        arena_free(a);
    }
    testutil_rmrf(dir);
    free(dir);
}

/* A streamed FLAC has no total in its STREAMINFO; once the file is whole it can be written. */
static void test_flac_total(void **state)
{
    (void)state;
    char *dir;
    char *path = make_wav(&dir, 2.0);
    MemSink m = {0};
    MediaTranscodeOptions o = {.format = MEDIA_TRANSCODE_FLAC};
    int64_t samples = 0;
    assert_int_equal(media_transcode_counted(path, &o, mem_write, &m, &samples), 0);
    assert_in_range(samples, 2 * 44100 - 2048, 2 * 44100 + 2048);
    char out[1100];
    snprintf(out, sizeof(out), "%s/whole.flac", dir);
    testutil_write_file(out, m.data, m.len);
    free(m.data);
    int fd = open(out, O_RDWR);
    assert_true(fd >= 0);
    uint8_t h[26];
    assert_int_equal(pread(fd, h, sizeof(h), 0), sizeof(h));
    assert_true((h[21] & 0x0f) == 0 && h[22] == 0 && h[23] == 0 && h[24] == 0 && h[25] == 0);
    assert_int_equal(media_transcode_flac_total(fd, -1), -EINVAL);
    assert_int_equal(media_transcode_flac_total(fd, samples), 0);
    assert_int_equal(pread(fd, h, sizeof(h), 0), sizeof(h));
    int64_t total = ((int64_t)(h[21] & 0x0f) << 32) | ((int64_t)h[22] << 24) |
                    ((int64_t)h[23] << 16) | ((int64_t)h[24] << 8) | h[25];
    assert_int_equal(total, samples);
    close(fd);
    Arena *a = arena_new(1 << 20);
    MediaInfo mi;
    assert_int_equal(media_probe(out, a, &mi), 0);
    assert_in_range(mi.duration_ms, 1950, 2050); /* from STREAMINFO, not guessed */
    arena_free(a);
    fd = open(path, O_RDWR); /* not a FLAC file */
    assert_int_equal(media_transcode_flac_total(fd, samples), -EINVAL);
    close(fd);
    drop_wav(dir, path);
}

static void test_failing_sink_stops(void **state)
{
    (void)state;
    char *dir;
    char *path = make_wav(&dir, 5.0);
    MemSink m = {.fail_after = 1};
    MediaTranscodeOptions o = {.format = MEDIA_TRANSCODE_MP3, .bitrate_kbps = 128};
    assert_int_equal(media_transcode(path, &o, mem_write, &m), -EPIPE);
    assert_int_equal(m.calls, 1); /* nothing more was tried after the failure */
    MemSink later = {.fail_after = 3};
    o.format = MEDIA_TRANSCODE_OPUS;
    assert_int_equal(media_transcode(path, &o, mem_write, &later), -EPIPE);
    assert_int_equal(later.calls, 3);
    free(m.data);
    free(later.data);
    drop_wav(dir, path);
}

static void test_bad_input(void **state)
{
    (void)state;
    char *dir = testutil_tmpdir();
    char path[1024];
    snprintf(path, sizeof(path), "%s/junk.mp3", dir);
    testutil_write_file(path, "this is not audio at all, not even close", 40);
    MemSink m = {0};
    MediaTranscodeOptions o = {.format = MEDIA_TRANSCODE_MP3, .bitrate_kbps = 128};
    assert_int_equal(media_transcode(path, &o, mem_write, &m), ERR_MEDIA);
    snprintf(path, sizeof(path), "%s/missing.flac", dir);
    assert_int_equal(media_transcode(path, &o, mem_write, &m), -ENOENT);
    assert_int_equal(m.len, 0);
    free(m.data);
    testutil_rmrf(dir);
    free(dir);
}

static void test_parse_and_clamp(void **state)
{
    (void)state;
    MediaTranscodeFormat f;
    assert_int_equal(media_transcode_format_parse("opus", &f), 0);
    assert_int_equal(f, MEDIA_TRANSCODE_OPUS);
    assert_int_equal(media_transcode_format_parse("wav", &f), -EINVAL);
    assert_int_equal(media_transcode_format_parse("m4a", &f), 0);
    assert_int_equal(f, MEDIA_TRANSCODE_M4A);
    assert_string_equal(media_transcode_content_type(f), "audio/mp4");
    assert_string_equal(media_transcode_format_name(f), "m4a");
    assert_int_equal(media_transcode_clamp_kbps(MEDIA_TRANSCODE_MP3, 0), 128);
    assert_int_equal(media_transcode_clamp_kbps(MEDIA_TRANSCODE_MP3, 9999), 320);
    assert_int_equal(media_transcode_clamp_kbps(MEDIA_TRANSCODE_OPUS, 1), 16);
    assert_int_equal(media_transcode_clamp_kbps(MEDIA_TRANSCODE_FLAC, 500), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mp3),
        cmocka_unit_test(test_other_targets),
        cmocka_unit_test(test_tags_carried),
        cmocka_unit_test(test_flac_total),
        cmocka_unit_test(test_failing_sink_stops),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_parse_and_clamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
