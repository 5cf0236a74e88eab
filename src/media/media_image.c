/*
 * media_image.c - cover thumbnails and placeholders with libvips.
 *
 * The order of checks is the defence against decompression bombs: byte cap, then the loader
 * (sniffed from the bytes, allowlisted), then width x height from a header-only load, and
 * only then vips_thumbnail_buffer(), which shrinks on load (JPEG DCT scaling, WebP scaled
 * decode) so a large cover is never decoded whole. libvips' operation cache is switched off
 * (a server must not keep decoded covers alive) and its warnings are silenced: lower layers
 * return errors, they do not log.
 */
#include "media/media_image.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"

#include <vips/vips.h>

#include <pthread.h>
#include <stdint.h>

static pthread_once_t media_image_once = PTHREAD_ONCE_INIT;
static int media_image_init_status; /* written once under media_image_once */

static void media_image_log_quiet(const gchar *domain, GLogLevelFlags level, const gchar *message,
                                  gpointer data)
{
    (void)domain;
    (void)level;
    (void)message;
    (void)data;
}

static void media_image_start(void)
{
    if (VIPS_INIT("swaz") != 0) {
        media_image_init_status = ERR_MEDIA;
        return;
    }
    vips_cache_set_max(0);
    vips_block_untrusted_set(TRUE);
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO,
                      media_image_log_quiet, NULL);
    media_image_init_status = 0;
}

int media_image_init(void)
{
    if (pthread_once(&media_image_once, media_image_start) != 0)
        return ERR_MEDIA;
    return media_image_init_status;
}

/* libvips keeps one global error buffer; we report through return codes instead. */
static int media_image_fail(int err)
{
    vips_error_clear();
    return err;
}

/* True for the loaders we trust with covers (nicknames differ between libvips builds:
 * "VipsForeignLoadJpegBuffer", "VipsForeignLoadPngBuffer", spng, nsgif...). */
static bool media_image_loader_ok(const char *loader)
{
    static const char *const allowed[] = {
        "VipsForeignLoadJpeg", "VipsForeignLoadPng",   "VipsForeignLoadSpng",
        "VipsForeignLoadWebp", "VipsForeignLoadNsgif", "VipsForeignLoadGif",
    };
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        if (str_has_prefix(loader, allowed[i]))
            return true;
    }
    return false;
}

int media_image_header(const void *data, size_t len, int *ret_width, int *ret_height)
{
    int r = media_image_init();
    if (r < 0)
        return r;
    if (len > LIMIT_PICTURE_BYTES)
        return ERR_LIMIT;
    if (!data || len == 0)
        return ERR_PARSE;
    const char *loader = vips_foreign_find_load_buffer(data, len);
    if (!loader || !media_image_loader_ok(loader))
        return media_image_fail(ERR_PARSE);
    /* A lazy load reads the header only; no pixel is decoded here. */
    VipsImage *im = vips_image_new_from_buffer(data, len, "", "access", VIPS_ACCESS_SEQUENTIAL,
                                               "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    if (!im)
        return media_image_fail(ERR_PARSE);
    int w = vips_image_get_width(im);
    int h = vips_image_get_height(im);
    g_object_unref(im);
    if (w <= 0 || h <= 0)
        return ERR_PARSE;
    if ((uint64_t)w * (uint64_t)h > (uint64_t)LIMIT_IMAGE_PIXELS)
        return ERR_LIMIT;
    *ret_width = w;
    *ret_height = h;
    return 0;
}

/* Encodes `im` as `format` into a g_malloc'd buffer. Returns 0 or ERR_MEDIA. */
static int media_image_save(VipsImage *im, MediaImageFormat format, void **ret_out, size_t *ret_len)
{
    void *buf = NULL;
    size_t len = 0;
    int r;
    if (format == MEDIA_IMAGE_WEBP) {
        r = vips_webpsave_buffer(im, &buf, &len, "Q", 80, "strip", TRUE, NULL);
    } else {
        r = vips_jpegsave_buffer(im, &buf, &len, "Q", 85, "strip", TRUE, "optimize_coding", TRUE,
                                 "interlace", TRUE, NULL);
    }
    if (r != 0 || !buf || len == 0) {
        g_free(buf);
        return media_image_fail(ERR_MEDIA);
    }
    *ret_out = buf;
    *ret_len = len;
    return 0;
}

int media_image_thumbnail(const void *data, size_t len, int size, MediaImageFormat format,
                          void **ret_out, size_t *ret_len)
{
    if (size < 1 || size > LIMIT_COVER_SIZE_MAX)
        return -EINVAL;
    int w, h;
    int r = media_image_header(data, len, &w, &h);
    if (r < 0)
        return r;

    VipsImage *thumb = NULL;
    VipsImage *square = NULL;
    VipsImage *flat = NULL;
    /* The caller's bytes are only read; libvips' prototype lacks the const. */
    if (vips_thumbnail_buffer((void *)data, len, &thumb, size, "height", size, "size",
                              VIPS_SIZE_DOWN, "crop", VIPS_INTERESTING_CENTRE, "option_string",
                              "fail_on=truncated", NULL) != 0) {
        r = media_image_fail(ERR_MEDIA);
        goto out;
    }
    VipsImage *im = thumb;
    /* A source smaller than the edge is not enlarged, and then not cropped either. */
    int tw = vips_image_get_width(thumb);
    int th = vips_image_get_height(thumb);
    if (tw != th) {
        int side = tw < th ? tw : th;
        if (vips_extract_area(thumb, &square, (tw - side) / 2, (th - side) / 2, side, side, NULL) !=
            0) {
            r = media_image_fail(ERR_MEDIA);
            goto out;
        }
        im = square;
    }
    if (format == MEDIA_IMAGE_JPEG && vips_image_hasalpha(im)) {
        VipsArrayDouble *bg = vips_array_double_newv(1, 240.0);
        int fr = vips_flatten(im, &flat, "background", bg, NULL);
        vips_area_unref(VIPS_AREA(bg));
        if (fr != 0) {
            r = media_image_fail(ERR_MEDIA);
            goto out;
        }
        im = flat;
    }
    r = media_image_save(im, format, ret_out, ret_len);
out:
    if (flat)
        g_object_unref(flat);
    if (square)
        g_object_unref(square);
    if (thumb)
        g_object_unref(thumb);
    return r;
}

/* Draws the note shape (two beamed eighth notes) onto the uchar sRGB memory image `im`. */
static int media_image_draw_note(VipsImage *im, int size)
{
    double ink[3] = {92, 98, 112};
    double s = size;
    int r = (int)(s * 0.085) + 1;
    int stem = (int)(s * 0.035) + 1;
    int heads[2][2] = {{(int)(s * 0.38), (int)(s * 0.68)}, {(int)(s * 0.64), (int)(s * 0.62)}};
    int tops[2] = {(int)(s * 0.30), (int)(s * 0.24)};
    for (int i = 0; i < 2; i++) {
        int cx = heads[i][0];
        int cy = heads[i][1];
        if (vips_draw_circle(im, ink, 3, cx, cy, r, "fill", TRUE, NULL) != 0)
            return ERR_MEDIA;
        int left = cx + r - stem;
        if (vips_draw_rect(im, ink, 3, left, tops[i], stem, cy - tops[i], "fill", TRUE, NULL) != 0)
            return ERR_MEDIA;
    }
    /* The beam: a thick line between the stem tops. */
    int beam = (int)(s * 0.07) + 1;
    int x1 = heads[0][0] + r - stem;
    int x2 = heads[1][0] + r;
    for (int t = 0; t < beam; t++) {
        if (vips_draw_line(im, ink, 3, x1, tops[0] + t, x2, tops[1] + t, NULL) != 0)
            return ERR_MEDIA;
    }
    return 0;
}

int media_image_placeholder(int size, MediaImageFormat format, void **ret_out, size_t *ret_len)
{
    if (size < 1 || size > LIMIT_COVER_SIZE_MAX)
        return -EINVAL;
    int r = media_image_init();
    if (r < 0)
        return r;

    VipsImage *base = vips_image_new();
    VipsImage **t = (VipsImage **)vips_object_local_array(VIPS_OBJECT(base), 5);
    VipsImage *canvas = NULL;
    /* A diagonal ramp, light grey at the top left to a slightly darker blue-grey. */
    double a[3] = {-48.0 / size, -46.0 / size, -40.0 / size};
    double b[3] = {214, 218, 226};
    if (vips_xyz(&t[0], size, size, NULL) != 0 || vips_bandmean(t[0], &t[1], NULL) != 0 ||
        vips_linear(t[1], &t[2], a, b, 3, NULL) != 0 || vips_cast_uchar(t[2], &t[3], NULL) != 0 ||
        vips_copy(t[3], &t[4], "interpretation", VIPS_INTERPRETATION_sRGB, NULL) != 0) {
        r = media_image_fail(ERR_MEDIA);
        goto out;
    }
    canvas = vips_image_copy_memory(t[4]);
    if (!canvas) {
        r = media_image_fail(ERR_MEDIA);
        goto out;
    }
    r = media_image_draw_note(canvas, size);
    if (r < 0) {
        media_image_fail(r);
        goto out;
    }
    r = media_image_save(canvas, format, ret_out, ret_len);
out:
    if (canvas)
        g_object_unref(canvas);
    g_object_unref(base);
    return r;
}

void media_image_free(void *buf)
{
    g_free(buf);
}

const char *media_image_content_type(MediaImageFormat format)
{
    return format == MEDIA_IMAGE_WEBP ? "image/webp" : "image/jpeg";
}

const char *media_image_extension(MediaImageFormat format)
{
    return format == MEDIA_IMAGE_WEBP ? "webp" : "jpg";
}
