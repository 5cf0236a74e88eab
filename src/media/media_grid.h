/*
 * media_grid.h - a 2x2 mosaic of four cover images (playlist covers), made with libvips.
 *
 * Inputs are untrusted pictures in memory, each checked like media_image_header() (format,
 * bytes, pixels) before it is decoded; each is centre-cropped to a square quarter. libvips is
 * started through media_image_init(). Any thread.
 */
#ifndef SWAZ_MEDIA_GRID_H
#define SWAZ_MEDIA_GRID_H

#include "media/media_image.h"

#include <stddef.h>

#define MEDIA_GRID_TILES 4

/* Composes the four images `data[i]` (`len[i]` bytes) as a 2x2 grid, left to right, top to
 * bottom, of `size` x `size` pixels (2..LIMIT_COVER_SIZE_MAX), encoded as `format`. Caller
 * frees *ret_out with media_image_free(). Returns 0, -EINVAL (bad size), the errors of
 * media_image_header() or ERR_MEDIA. */
int media_grid_compose(const void *const data[MEDIA_GRID_TILES], const size_t len[MEDIA_GRID_TILES],
                       int size, MediaImageFormat format, void **ret_out, size_t *ret_len);

#endif
