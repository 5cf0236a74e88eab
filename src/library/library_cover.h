/*
 * library_cover.h - cover art as the APIs serve it: look a cover up, and open a resized copy
 * from the on-disk cache, making it on a miss.
 *
 * A cover is a `covers` row (kind 'file': an image in a music folder; 'embedded': the
 * picture inside an audio file) whose source file is stat()ed on every lookup: its size and
 * mtime are the version that names the cached copy and the ETag. Cache layout, under the
 * data dir: cache/covers/<id[0..1]>/<id>/<edge>-<version>.<ext> and
 * cache/covers/placeholder/<edge>.<ext>; files are written to a temp name, fsync()ed and
 * renamed, so a crash never leaves half an image. Any thread; a DbConn per thread.
 */
#ifndef SWAZ_LIBRARY_COVER_H
#define SWAZ_LIBRARY_COVER_H

#include "core/arena.h"
#include "db/db.h"
#include "library/library_scope.h"
#include "media/media_image.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct LibraryCover {
    const char *id;
    int64_t library_id;
    bool embedded;    /* kind 'embedded': the picture inside the audio file at `path` */
    const char *path; /* absolute: the music folder + "/" + covers.path */
    int64_t size;     /* of the source file now (stat), part of the version */
    int64_t mtime;    /* of the source file now (stat), part of the version */
} LibraryCover;

/* Looks up cover `id` and stats its source. Returns 0 with *ret_cover filled (strings
 * Arena-owned), -ENOENT (malformed id, no such row, or its source file is gone), ERR_MEDIA
 * (a row with an unknown kind or an unsafe path), -ENOMEM or ERR_DB. */
int library_cover_get(DbConn *conn, Arena *arena, const char *id, LibraryCover *ret_cover);

/* As library_cover_get(), but a cover of a library outside `scope` (NULL: every library)
 * is -ENOENT. */
int library_cover_get_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *id,
                             LibraryCover *ret_cover);

/* Returns the version of `cover` as a short token ("<size hex>.<mtime hex>"), the same for
 * the same source bytes. Arena-owned, or NULL when out of memory. */
const char *library_cover_version(Arena *arena, const LibraryCover *cover);

/* Snaps a requested edge to the sizes we produce (64, 128, 256, 512, 1024): the smallest one
 * at least `requested`, LIMIT_COVER_SIZE_MAX above that. `requested` must be >= 1. */
int library_cover_snap(int64_t requested);

/* Opens the cached `edge` x `edge` `format` rendition of `cover` (edge from
 * library_cover_snap()), making it from the source on a miss and removing older versions of
 * that rendition. Writes an fd (caller closes) and its length. Returns 0; -ENOENT, -EACCES,
 * ERR_LIMIT, ERR_PARSE or ERR_MEDIA when the source cannot give a cover (answer with the
 * placeholder); another negative errno when the cache cannot be written. */
int library_cover_open(const char *data_dir, const LibraryCover *cover, int edge,
                       MediaImageFormat format, int *ret_fd, uint64_t *ret_len);

/* Opens the cached placeholder of `edge` in `format`, drawing it once on a miss. Returns 0
 * with an fd (caller closes) and its length, -EINVAL (bad edge), ERR_MEDIA or a negative
 * errno from the cache. */
int library_cover_placeholder_open(const char *data_dir, int edge, MediaImageFormat format,
                                   int *ret_fd, uint64_t *ret_len);

#endif
