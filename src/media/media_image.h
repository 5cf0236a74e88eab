/*
 * media_image.h - cover art with libvips: header checks, thumbnails, encoding, placeholders.
 *
 * Input is an untrusted picture in memory (a folder image or an embedded picture), at most
 * LIMIT_PICTURE_BYTES. Only JPEG, PNG, WebP and GIF are accepted, and the pixel count is read
 * from the header and checked against LIMIT_IMAGE_PIXELS before any pixel is decoded; the
 * decode itself shrinks on load. libvips is initialised once, lazily and thread-safely, on
 * the first call; every function may be called from any thread.
 */
#ifndef SWAZ_MEDIA_IMAGE_H
#define SWAZ_MEDIA_IMAGE_H

#include <stddef.h>

typedef enum { MEDIA_IMAGE_JPEG, MEDIA_IMAGE_WEBP } MediaImageFormat;

/* Initialises libvips once (no operation cache, untrusted loaders blocked). Returns 0 or
 * ERR_MEDIA when libvips cannot start. Called by every function below; calling it early
 * only moves the start-up cost. */
int media_image_init(void);

/* Reads the dimensions of `data` from its header only. Returns 0, ERR_PARSE (not an image
 * format we accept, or a malformed header), ERR_LIMIT (more than LIMIT_IMAGE_PIXELS pixels,
 * or `len` above LIMIT_PICTURE_BYTES) or ERR_MEDIA. */
int media_image_header(const void *data, size_t len, int *ret_width, int *ret_height);

/* Makes a cover of at most `size` x `size` pixels (1..LIMIT_COVER_SIZE_MAX; square, centre
 * cropped, never enlarged) from `data` and encodes it as `format`. On success *ret_out is a
 * buffer of *ret_len bytes; caller frees with media_image_free(). Returns 0, -EINVAL (bad
 * size), the errors of media_image_header(), or ERR_MEDIA (undecodable or truncated). */
int media_image_thumbnail(const void *data, size_t len, int size, MediaImageFormat format,
                          void **ret_out, size_t *ret_len);

/* Draws the placeholder cover (a neutral gradient with a music note) of `size` x `size`
 * pixels (1..LIMIT_COVER_SIZE_MAX) encoded as `format`. Caller frees *ret_out with
 * media_image_free(). Returns 0, -EINVAL or ERR_MEDIA. */
int media_image_placeholder(int size, MediaImageFormat format, void **ret_out, size_t *ret_len);

/* Frees a buffer returned above. NULL is a no-op. */
void media_image_free(void *buf);

/* Returns the MIME type of `format` ("image/jpeg", "image/webp"). Static string. */
const char *media_image_content_type(MediaImageFormat format);

/* Returns the file extension of `format` without a dot ("jpg", "webp"). Static string. */
const char *media_image_extension(MediaImageFormat format);

#endif
