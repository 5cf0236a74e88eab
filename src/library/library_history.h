/*
 * library_history.h - play history ("scrobbles"): one plays row per play, per-user play
 * counts and last-played times kept with it (play_counts, and per album album_play_counts:
 * counted on the album the song had when played), and the popular songs computed
 * from every user's plays of the last LIBRARY_HISTORY_POPULAR_DAYS days.
 *
 * Popular lists are cached in a CacheKv (in-process or Redis) under a version counter that
 * every recorded play bumps after its commit, so a reader never gets a ranking older than
 * the last play it could see; LIBRARY_HISTORY_POPULAR_TTL_S bounds staleness should a bump
 * fail. Arrays and strings returned are Arena-owned. Any thread, each with its own DbConn.
 */
#ifndef SWAZ_LIBRARY_HISTORY_H
#define SWAZ_LIBRARY_HISTORY_H

#include "cache/cache_kv.h"
#include "core/arena.h"
#include "db/db.h"
#include "library/library_annotate.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIBRARY_HISTORY_DUP_S           10  /* the same song again within this: one play */
#define LIBRARY_HISTORY_FUTURE_S        300 /* playedAt may be this far ahead (clock skew) */
#define LIBRARY_HISTORY_POPULAR_DAYS    90  /* popular songs count plays of this window */
#define LIBRARY_HISTORY_POPULAR_TTL_S   300 /* a cached ranking lives at most this long */
#define LIBRARY_HISTORY_POPULAR_VERSION "popular:version"

typedef struct PlayEntry {
    int64_t id;
    const char *song_id;
    int64_t played_at; /* Unix seconds */
    const char *client;
} PlayEntry;

typedef struct PopularEntry {
    const char *song_id;
    int64_t plays;
} PopularEntry;

/* Records that `user_id` played `song_id` at `played_at` (Unix seconds) from `client`: a
 * plays row and the play_counts and album_play_counts (the song's album now, if any) upserts
 * in one transaction, then bumps the popular version
 * in `cache` (may be NULL). A play of the same song within LIBRARY_HISTORY_DUP_S seconds of
 * one already recorded is ignored (*ret_recorded false). Returns 0, -EINVAL (played_at
 * negative or more than LIBRARY_HISTORY_FUTURE_S after `now`, client too long), -ENOENT
 * (song not visible) or ERR_DB. */
int library_history_scrobble(DbConn *conn, CacheKv *cache, Arena *arena, const LibraryScope *scope,
                             const char *user_id, const char *song_id, int64_t played_at,
                             const char *client, int64_t now, bool *ret_recorded);

/* Lists up to `limit` (1..LIMIT_PAGE_MAX) plays of `user_id` of visible songs, newest first
 * (played_at, id descending), after `cursor`. Returns 0, -EINVAL, ERR_PARSE or ERR_DB. */
int library_history_list(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *user_id,
                         const char *cursor, int limit, PlayEntry **ret_items, size_t *ret_count,
                         const char **ret_next);

/* Reads the play count and last play time (0 when never) of `user_id` for `song_id`.
 * Returns 0, -ENOENT (song not visible) or ERR_DB. */
int library_history_count(DbConn *conn, Arena *arena, const LibraryScope *scope,
                          const char *user_id, const char *song_id, int64_t *ret_count,
                          int64_t *ret_last_played_at);

/* Lists the up to LIMIT_POPULAR_MAX most played songs (not missing) over every user's plays
 * since now - LIBRARY_HISTORY_POPULAR_DAYS, by plays descending then song id; only songs of
 * `artist_id` (artist or one of the song artists) when not NULL. Served from `cache` (may
 * be NULL) when it holds the current version. Returns 0 or ERR_DB. */
int library_history_popular(DbConn *conn, CacheKv *cache, Arena *arena, const char *artist_id,
                            int64_t now, PopularEntry **ret_items, size_t *ret_count);

#endif
