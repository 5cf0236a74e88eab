/*
 * media_grid.c - 2x2 cover mosaics: thumbnail each tile to a forced square quarter, make it
 * three-band sRGB without alpha, join them with vips_arrayjoin() and encode.
 */
#include "media/media_grid.h"

#include "core/err.h"
#include "core/limits.h"

#include <vips/vips.h>

/* Makes one size x size sRGB tile without alpha; *ret_tile is a new reference. */
static int media_grid_tile(const void *data, size_t len, int size, VipsImage **ret_tile)
{
    int w, h;
    int r = media_image_header(data, len, &w, &h);
    if (r < 0)
        return r;
    VipsImage *t[4] = {NULL, NULL, NULL, NULL};
    r = ERR_MEDIA;
    if (vips_thumbnail_buffer((void *)data, len, &t[0], size, "height", size, "size",
                              VIPS_SIZE_FORCE, "crop", VIPS_INTERESTING_CENTRE, "option_string",
                              "fail_on=truncated", NULL) != 0)
        goto out;
    if (vips_colourspace(t[0], &t[1], VIPS_INTERPRETATION_sRGB, NULL) != 0)
        goto out;
    VipsImage *im = t[1];
    if (vips_image_hasalpha(im)) {
        VipsArrayDouble *bg = vips_array_double_newv(1, 240.0);
        int fr = vips_flatten(im, &t[2], "background", bg, NULL);
        vips_area_unref(VIPS_AREA(bg));
        if (fr != 0)
            goto out;
        im = t[2];
    }
    if (vips_cast_uchar(im, &t[3], NULL) != 0)
        goto out;
    *ret_tile = t[3];
    t[3] = NULL;
    r = 0;
out:
    for (int i = 0; i < 4; i++) {
        if (t[i])
            g_object_unref(t[i]);
    }
    if (r < 0)
        vips_error_clear();
    return r;
}

int media_grid_compose(const void *const data[MEDIA_GRID_TILES], const size_t len[MEDIA_GRID_TILES],
                       int size, MediaImageFormat format, void **ret_out, size_t *ret_len)
{
    if (size < 2 || size > LIMIT_COVER_SIZE_MAX)
        return -EINVAL;
    int r = media_image_init();
    if (r < 0)
        return r;
    int half = size / 2;
    VipsImage *tiles[MEDIA_GRID_TILES] = {NULL, NULL, NULL, NULL};
    VipsImage *joined = NULL;
    for (int i = 0; i < MEDIA_GRID_TILES; i++) {
        if ((r = media_grid_tile(data[i], len[i], half, &tiles[i])) < 0)
            goto out;
    }
    if (vips_arrayjoin(tiles, &joined, MEDIA_GRID_TILES, "across", 2, NULL) != 0) {
        r = ERR_MEDIA;
        goto out;
    }
    void *buf = NULL;
    size_t blen = 0;
    int sr = format == MEDIA_IMAGE_WEBP
                 ? vips_webpsave_buffer(joined, &buf, &blen, "Q", 80, "strip", TRUE, NULL)
                 : vips_jpegsave_buffer(joined, &buf, &blen, "Q", 85, "strip", TRUE,
                                        "optimize_coding", TRUE, NULL);
    if (sr != 0 || !buf || blen == 0) {
        g_free(buf);
        r = ERR_MEDIA;
        goto out;
    }
    *ret_out = buf;
    *ret_len = blen;
    r = 0;
out:
    if (joined)
        g_object_unref(joined);
    for (int i = 0; i < MEDIA_GRID_TILES; i++) {
        if (tiles[i])
            g_object_unref(tiles[i]);
    }
    if (r < 0)
        vips_error_clear();
    return r;
}
