/*
 * media_tcache.h - the transcode cache: finished transcodes kept on disk, LRU-evicted.
 *
 * Files live in one folder (<data_dir>/transcodes), named by song id, format, bitrate and
 * the source file's size and mtime, so a changed source never matches an old output. An
 * encode writes a temp file ("….tmp") that is renamed into place only once complete and
 * synced; temp files left by a crash are removed by media_tcache_new(). While an encode
 * runs, its MediaTcacheFill lets other streams follow the temp file as it grows instead of
 * starting a second encoder. Owns the index of finished files and the running fills, all
 * guarded by one mutex; every function is safe from any thread.
 */
#ifndef SWAZ_MEDIA_TCACHE_H
#define SWAZ_MEDIA_TCACHE_H

#include "media/media_transcode.h"

#include <stdatomic.h>
#include <stdint.h>

typedef struct MediaTcache MediaTcache;
typedef struct MediaTcacheFill MediaTcacheFill;

/* What identifies one cached output. Strings are borrowed for the call. */
typedef struct MediaTcacheKey {
    const char *song_id;     /* 1..64 characters of [0-9A-Za-z_-] */
    const char *source_path; /* the original, stat()ed for its size and mtime */
    MediaTranscodeFormat format;
    int bitrate_kbps; /* as clamped by media_transcode_clamp_kbps() */
} MediaTcacheKey;

typedef enum {
    MEDIA_TCACHE_HIT,  /* the finished file: *ret_fd only */
    MEDIA_TCACHE_JOIN, /* an encode is running: follow it through *ret_fd and *ret_fill */
    MEDIA_TCACHE_MISS, /* nothing yet: the caller encodes (writer) and follows (*ret_fd) */
} MediaTcacheResult;

/* Opens (creating it if needed) the cache in `dir` holding at most `max_bytes` of finished
 * files; removes stale temp files and evicts down to the size. Returns 0, or a negative
 * errno from mkdir/opendir, or -ENOMEM. Caller frees with media_tcache_free(). */
int media_tcache_new(const char *dir, uint64_t max_bytes, MediaTcache **ret_cache);

/* Frees the index. Every fill must have ended and been left. NULL is a no-op. */
void media_tcache_free(MediaTcache *cache);

/* Bytes of a cache file's name, NUL included (media_tcache_name()). */
#define MEDIA_TCACHE_NAME_BYTES 192

/* Writes the file name (no folder) under which `key` is cached into `name`. Returns 0,
 * -EINVAL for a key that cannot be cached, or a negative errno from stat of the source. */
int media_tcache_name(const MediaTcacheKey *key, char name[MEDIA_TCACHE_NAME_BYTES]);

/* Opens the finished file for `key`, read-only, into *ret_fd (caller closes) and counts a
 * hit. Returns 0, -ENOENT when there is none (or it is still being encoded), -EINVAL for a
 * key that cannot be cached, or a negative errno from stat of the source. */
int media_tcache_open(MediaTcache *cache, const MediaTcacheKey *key, int *ret_fd);

/* When `key` is being encoded, opens its temp file read-only into *ret_fd (caller closes;
 * it stays readable if the encode fails) and writes the bytes written so far, which never
 * change again, to *ret_written (a FLAC's STREAMINFO is rewritten at the end: FLAC is
 * -ENOENT here). Counts nothing. Returns 0, -ENOENT when no encode of `key` runs, -EINVAL
 * for a key that cannot be cached, or a negative errno (stat of the source, open). */
int media_tcache_peek(MediaTcache *cache, const MediaTcacheKey *key, int *ret_fd,
                      uint64_t *ret_written);

/* Looks `key` up and joins or starts its encode; see MediaTcacheResult. On JOIN and MISS the
 * caller is one follower of *ret_fill (leave with media_tcache_fill_leave()); on MISS it also
 * holds the writer's reference (write with media_tcache_fill_write(), end once with
 * media_tcache_fill_end()). *ret_fd (caller closes) reads the file from its first byte.
 * Returns 0, -EINVAL (key cannot be cached), -ENOSPC (less than LIMIT_TCACHE_MIN_FREE_MB
 * free on the cache's disk), or a negative errno (stat, open, -ENOMEM). */
int media_tcache_acquire(MediaTcache *cache, const MediaTcacheKey *key,
                         MediaTcacheResult *ret_result, int *ret_fd, MediaTcacheFill **ret_fill);

/* Writer: appends `len` bytes to the temp file and wakes the followers. Returns 0, or a
 * negative errno from write() (e.g. -ENOSPC). */
int media_tcache_fill_write(MediaTcacheFill *fill, const uint8_t *buf, size_t len);

/* Writer: returns the number of followers still attached (0: nobody listens; stop). */
unsigned media_tcache_fill_followers(MediaTcacheFill *fill);

/* Writer: runs media_transcode() of `path` as `opts` says into the fill and ends it with the
 * result (see media_tcache_fill_end()). The encode stops (-EPIPE) as soon as no follower is
 * left or `*stop` (may be NULL) is set. Returns what media_transcode() returned, or the
 * fill's write error. */
int media_tcache_fill_encode(MediaTcacheFill *fill, const char *path,
                             const MediaTranscodeOptions *opts, const atomic_bool *stop);

/* Writer: ends the encode and drops the writer's reference. err == 0: the file is synced,
 * renamed into place and indexed (older files are evicted past the size); err < 0: the temp
 * file is removed and followers see `err`. */
void media_tcache_fill_end(MediaTcacheFill *fill, int err);

/* Follower: waits up to `timeout_ms` for more than `have` bytes. Returns 0 with the bytes
 * written so far in *ret_avail (> have), 1 when the encode finished (*ret_avail: the whole
 * size), -ETIMEDOUT when nothing came, or the writer's error when it failed. */
int media_tcache_fill_wait(MediaTcacheFill *fill, uint64_t have, int timeout_ms,
                           uint64_t *ret_avail);

/* Follower: detaches and drops its reference (the last one frees the fill). NULL: no-op. */
void media_tcache_fill_leave(MediaTcacheFill *fill);

#endif
