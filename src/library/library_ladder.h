/*
 * library_ladder.h - the pre-transcode ladder: a song's outputs at the configured formats and
 * bitrates (default mp3 at 320, 128 and 64 kbps) made into the transcode cache before the
 * first listener asks, so that they are served from disk at once.
 *
 * library_ladder_song() does one song on the calling thread (`swaz transcode --ladder`). A
 * LibraryLadder owns one background thread fed by a bounded queue of song ids
 * (LIMIT_LADDER_QUEUE, guarded by its mutex): any thread may hand it a song the server has
 * just stored with library_ladder_pretranscode_song().
 */
#ifndef SWAZ_LIBRARY_LADDER_H
#define SWAZ_LIBRARY_LADDER_H

#include "core/limits.h"
#include "db/db.h"
#include "library/library_song.h"
#include "media/media_tcache.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct LibraryLadderStep {
    MediaTranscodeFormat format;
    int kbps; /* as clamped by media_transcode_clamp_kbps() (0 for FLAC) */
} LibraryLadderStep;

typedef struct LibraryLadderSpec {
    LibraryLadderStep steps[LIMIT_LADDER_STEPS];
    size_t n;
} LibraryLadderSpec;

/* What happened to the steps of one or more songs. */
typedef struct LibraryLadderCounts {
    atomic_long encoded; /* made now */
    atomic_long cached;  /* already in the cache, or being made by someone else */
    atomic_long skipped; /* a stream would send the original (at or below its bitrate) */
    atomic_long failed;  /* the encode failed (logged by the caller) */
} LibraryLadderCounts;

/* Parses "mp3:320,mp3:128,opus:96,flac" (format[:kbps], at most LIMIT_LADDER_STEPS) into
 * *ret_spec. Returns 0, -EINVAL (empty, unknown format, bad number) or ERR_LIMIT. */
int library_ladder_parse(const char *text, LibraryLadderSpec *ret_spec);

/* True when `format` (a stream's format= name) asks for exactly what the original of `song`
 * already is (same container; m4a only when the codec is AAC). */
bool library_ladder_is_original(const Song *song, const char *format);

/* Makes every step of `spec` for `song` into `cache` (those a stream would really
 * transcode), adding to *counts. Stops early with -EPIPE once `*stop` (may be NULL) is set.
 * Returns 0, -EPIPE, or the last encode error (the other steps are still tried). */
int library_ladder_song(MediaTcache *cache, const LibraryLadderSpec *spec, const Song *song,
                        const atomic_bool *stop, LibraryLadderCounts *counts);

typedef struct LibraryLadder LibraryLadder;

/* Starts the background ladder over `db` and `cache` (both borrowed; they outlive it).
 * Returns 0, -ENOMEM or a negative errno from pthread_create. Caller frees with
 * library_ladder_free(). */
int library_ladder_new(Db *db, MediaTcache *cache, const LibraryLadderSpec *spec,
                       LibraryLadder **ret_ladder);

/* Stops the thread (the encode in progress is abandoned, its temp file removed; queued songs
 * are dropped) and frees the ladder. NULL is a no-op. */
void library_ladder_free(LibraryLadder *ladder);

/* Queues song `song_id` (copied) for the ladder, e.g. right after an upload was stored.
 * Returns 0, -EINVAL (empty or longer than LIMIT_ID_BYTES) or ERR_LIMIT (the queue is full:
 * the song is made on its first request instead). */
int library_ladder_pretranscode_song(LibraryLadder *ladder, const char *song_id);

/* Waits until the queue is empty and nothing is being made (tests, shutdown reports). */
void library_ladder_wait_idle(LibraryLadder *ladder);

/* Queues the file `path` (relative to the library folder `root`; both copied) for the ladder
 * once the scanner has made it a song, e.g. right after an upload was stored and its scan
 * requested: the thread looks the song up about once a second and gives up after
 * LIMIT_LADDER_PENDING_S seconds. Returns 0, -EINVAL (empty or too long), -ENOMEM or
 * ERR_LIMIT (LIMIT_LADDER_PENDING files already wait). */
int library_ladder_pretranscode_path(LibraryLadder *ladder, const char *root, const char *path);

#endif
