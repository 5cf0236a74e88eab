/*
 * test_media_image.c - cover thumbnails, placeholders and embedded pictures: sizes, formats,
 * decompression bombs refused from the header, truncated and garbage input.
 * Inputs are made with libvips itself (this test mirrors src/media/, the vips folder).
 */
#include "core/err.h"
#include "core/limits.h"
#include "media/media_image.h"
#include "media/media_picture.h"
#include "media/media_probe.h"

#include <vips/vips.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <cmocka.h>

#include "testutil.h"

/* Encodes a noise image of w x h as JPEG (png: PNG). Caller g_free()s. */
static void *make_image(int w, int h, bool png, size_t *ret_len)
{
    assert_int_equal(media_image_init(), 0);
    VipsImage *noise, *rgb, *u8;
    assert_int_equal(vips_gaussnoise(&noise, w, h, "mean", 128.0, "sigma", 40.0, NULL), 0);
    assert_int_equal(vips_bandjoin_const1(noise, &rgb, 90.0, NULL), 0);
    assert_int_equal(vips_cast_uchar(rgb, &u8, NULL), 0);
    void *buf = NULL;
    int r = png ? vips_pngsave_buffer(u8, &buf, ret_len, NULL)
                : vips_jpegsave_buffer(u8, &buf, ret_len, "Q", 90, NULL);
    assert_int_equal(r, 0);
    g_object_unref(u8);
    g_object_unref(rgb);
    g_object_unref(noise);
    return buf;
}

/* Decodes `buf` fully and checks its loader and dimensions. */
static void assert_image(const void *buf, size_t len, const char *loader_prefix, int w, int h)
{
    const char *loader = vips_foreign_find_load_buffer(buf, len);
    assert_non_null(loader);
    assert_true(strncmp(loader, loader_prefix, strlen(loader_prefix)) == 0);
    VipsImage *im = vips_image_new_from_buffer(buf, len, "", "fail_on", VIPS_FAIL_ON_WARNING, NULL);
    assert_non_null(im);
    assert_int_equal(vips_image_get_width(im), w);
    assert_int_equal(vips_image_get_height(im), h);
    double avg;
    assert_int_equal(vips_avg(im, &avg, NULL), 0); /* every pixel decodes */
    g_object_unref(im);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void test_thumbnail_sizes_and_formats(void **state)
{
    (void)state;
    size_t len;
    void *jpg = make_image(800, 600, false, &len);
    int w, h;
    assert_int_equal(media_image_header(jpg, len, &w, &h), 0);
    assert_int_equal(w, 800);
    assert_int_equal(h, 600);

    void *out;
    size_t out_len;
    assert_int_equal(media_image_thumbnail(jpg, len, 256, MEDIA_IMAGE_WEBP, &out, &out_len), 0);
    assert_image(out, out_len, "VipsForeignLoadWebp", 256, 256);
    media_image_free(out);
    assert_int_equal(media_image_thumbnail(jpg, len, 128, MEDIA_IMAGE_JPEG, &out, &out_len), 0);
    assert_image(out, out_len, "VipsForeignLoadJpeg", 128, 128);
    media_image_free(out);
    /* Never enlarged: a 600-pixel-high source gives at most 600 at edge 1024. */
    assert_int_equal(media_image_thumbnail(jpg, len, 1024, MEDIA_IMAGE_JPEG, &out, &out_len), 0);
    assert_image(out, out_len, "VipsForeignLoadJpeg", 600, 600);
    media_image_free(out);
    g_free(jpg);

    void *png = make_image(300, 200, true, &len);
    assert_int_equal(media_image_thumbnail(png, len, 64, MEDIA_IMAGE_WEBP, &out, &out_len), 0);
    assert_image(out, out_len, "VipsForeignLoadWebp", 64, 64);
    media_image_free(out);
    assert_int_equal(media_image_thumbnail(png, len, 0, MEDIA_IMAGE_WEBP, &out, &out_len), -EINVAL);
    assert_int_equal(
        media_image_thumbnail(png, len, LIMIT_COVER_SIZE_MAX + 1, MEDIA_IMAGE_WEBP, &out, &out_len),
        -EINVAL);
    g_free(png);
}

/* Finds the SOF0/SOF2 marker of a JPEG and writes a new height and width into it. */
static void jpeg_declare(unsigned char *b, size_t len, unsigned w, unsigned h)
{
    for (size_t i = 2; i + 9 < len; i++) {
        if (b[i] == 0xFF && (b[i + 1] == 0xC0 || b[i + 1] == 0xC2)) {
            b[i + 5] = (unsigned char)(h >> 8);
            b[i + 6] = (unsigned char)h;
            b[i + 7] = (unsigned char)(w >> 8);
            b[i + 8] = (unsigned char)w;
            return;
        }
    }
    fail_msg("no SOF marker");
}

static uint32_t crc32_png(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Rewrites the IHDR of a PNG (right after the 8-byte signature) with new dimensions. */
static void png_declare(unsigned char *b, size_t len, uint32_t w, uint32_t h)
{
    assert_true(len > 33 && memcmp(b + 12, "IHDR", 4) == 0);
    put32(b + 16, w);
    put32(b + 20, h);
    put32(b + 29, crc32_png(b + 12, 17));
}

static void test_pixel_bomb_refused_from_header(void **state)
{
    (void)state;
    size_t jpg_len, png_len;
    unsigned char *jpg = make_image(16, 16, false, &jpg_len);
    jpeg_declare(jpg, jpg_len, 60000, 60000);
    unsigned char *png = make_image(16, 16, true, &png_len);
    png_declare(png, png_len, 60000, 60000);

    long rss0 = max_rss_kb();
    double t0 = now_ms();
    int w, h;
    assert_int_equal(media_image_header(jpg, jpg_len, &w, &h), ERR_LIMIT);
    void *out = NULL;
    size_t out_len;
    assert_int_equal(media_image_thumbnail(jpg, jpg_len, 512, MEDIA_IMAGE_WEBP, &out, &out_len),
                     ERR_LIMIT);
    assert_int_equal(media_image_header(png, png_len, &w, &h), ERR_LIMIT);
    assert_int_equal(media_image_thumbnail(png, png_len, 512, MEDIA_IMAGE_JPEG, &out, &out_len),
                     ERR_LIMIT);
    double elapsed = now_ms() - t0;
    long grown_kb = max_rss_kb() - rss0;
    assert_null(out);
    assert_true(elapsed < 100.0);
    assert_true(grown_kb < 32 * 1024); /* 60000^2 RGB would be 10 GB */

    /* Just over the limit (8000 x 6251 = 50,008,000 pixels) is refused too. */
    jpeg_declare(jpg, jpg_len, 8000, 6251);
    assert_int_equal(media_image_header(jpg, jpg_len, &w, &h), ERR_LIMIT);
    jpeg_declare(jpg, jpg_len, 8000, 6250);
    assert_int_equal(media_image_header(jpg, jpg_len, &w, &h), 0);
    g_free(jpg);
    g_free(png);
}

static void test_byte_cap(void **state)
{
    (void)state;
    size_t n = (size_t)LIMIT_PICTURE_BYTES + 1;
    unsigned char *big = calloc(1, n);
    assert_non_null(big);
    int w, h;
    assert_int_equal(media_image_header(big, n, &w, &h), ERR_LIMIT);
    free(big);
}

static void test_truncated_and_garbage(void **state)
{
    (void)state;
    size_t len;
    unsigned char *jpg = make_image(400, 400, false, &len);
    void *out = NULL;
    size_t out_len;
    assert_int_equal(media_image_thumbnail(jpg, len / 2, 128, MEDIA_IMAGE_JPEG, &out, &out_len),
                     ERR_MEDIA);
    assert_int_equal(media_image_thumbnail(jpg, 40, 128, MEDIA_IMAGE_JPEG, &out, &out_len) < 0, 1);
    g_free(jpg);

    unsigned char garbage[4096];
    srand(7);
    for (size_t i = 0; i < sizeof(garbage); i++)
        garbage[i] = (unsigned char)(rand() & 0xFF);
    assert_int_equal(
        media_image_thumbnail(garbage, sizeof(garbage), 128, MEDIA_IMAGE_JPEG, &out, &out_len),
        ERR_PARSE);
    int w, h;
    assert_int_equal(media_image_header("", 0, &w, &h), ERR_PARSE);
    static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" "
                              "height=\"10\"></svg>";
    assert_int_equal(media_image_header(svg, sizeof(svg) - 1, &w, &h), ERR_PARSE);
    assert_null(out);
}

static void test_placeholder(void **state)
{
    (void)state;
    void *out;
    size_t out_len;
    assert_int_equal(media_image_placeholder(128, MEDIA_IMAGE_WEBP, &out, &out_len), 0);
    assert_image(out, out_len, "VipsForeignLoadWebp", 128, 128);
    media_image_free(out);
    assert_int_equal(media_image_placeholder(1024, MEDIA_IMAGE_JPEG, &out, &out_len), 0);
    assert_image(out, out_len, "VipsForeignLoadJpeg", 1024, 1024);
    media_image_free(out);
    assert_int_equal(media_image_placeholder(64, MEDIA_IMAGE_JPEG, &out, &out_len), 0);
    assert_image(out, out_len, "VipsForeignLoadJpeg", 64, 64);
    media_image_free(out);
    assert_int_equal(media_image_placeholder(0, MEDIA_IMAGE_JPEG, &out, &out_len), -EINVAL);
    assert_int_equal(media_image_placeholder(4096, MEDIA_IMAGE_JPEG, &out, &out_len), -EINVAL);
    assert_string_equal(media_image_content_type(MEDIA_IMAGE_WEBP), "image/webp");
    assert_string_equal(media_image_content_type(MEDIA_IMAGE_JPEG), "image/jpeg");
}

static void test_picture_absent(void **state)
{
    (void)state;
    media_init();
    char *dir = testutil_tmpdir();
    char path[1024];
    snprintf(path, sizeof(path), "%s/a.wav", dir);
    const char *info[] = {"INAM", "No Picture", NULL};
    testutil_write_wav(path, 0.5, info);
    void *data = NULL;
    size_t len;
    assert_int_equal(media_picture_extract(path, &data, &len), -ENOENT);
    snprintf(path, sizeof(path), "%s/none.mp3", dir);
    assert_int_equal(media_picture_extract(path, &data, &len), -ENOENT);
    snprintf(path, sizeof(path), "%s/text.mp3", dir);
    testutil_write_file(path, "not audio at all\n", 17);
    assert_int_equal(media_picture_extract(path, &data, &len), ERR_MEDIA);
    assert_null(data);
    testutil_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thumbnail_sizes_and_formats),
        cmocka_unit_test(test_pixel_bomb_refused_from_header),
        cmocka_unit_test(test_byte_cap),
        cmocka_unit_test(test_truncated_and_garbage),
        cmocka_unit_test(test_placeholder),
        cmocka_unit_test(test_picture_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
