/*
 * media_picture.h - the picture embedded in an audio file (ID3 APIC, FLAC PICTURE, MP4 covr,
 * Vorbis METADATA_BLOCK_PICTURE), read with libavformat.
 *
 * The bytes are returned as stored (usually JPEG or PNG), unchecked: hand them to
 * media_image.h. At most LIMIT_PICTURE_BYTES are returned. Any thread.
 */
#ifndef SWAZ_MEDIA_PICTURE_H
#define SWAZ_MEDIA_PICTURE_H

#include <stddef.h>

/* Reads the embedded picture of the audio file at `path`, preferring the front cover. On
 * success *ret_data holds *ret_len bytes; caller frees with free(). Returns 0, -ENOENT (no
 * such file, or no picture in it), -EACCES, ERR_LIMIT (a picture above LIMIT_PICTURE_BYTES),
 * ERR_MEDIA (not a readable media file) or -ENOMEM. */
int media_picture_extract(const char *path, void **ret_data, size_t *ret_len);

#endif
