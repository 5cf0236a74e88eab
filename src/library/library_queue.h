/*
 * library_queue.h - where each listener is: what their devices play now (now_playing), the
 * play queue saved for restoring on another device (play_queues, play_queue_entries) and
 * bookmarks, i.e. positions kept inside long songs (bookmarks).
 *
 * Every row belongs to one user and every call names that user: nothing here reads or
 * writes another user's rows, except the now-playing list when the caller asks for others'
 * entries. Arrays and strings returned are Arena-owned. Any thread, each with its own DbConn.
 */
#ifndef SWAZ_LIBRARY_QUEUE_H
#define SWAZ_LIBRARY_QUEUE_H

#include "core/arena.h"
#include "db/db.h"
#include "library/library_annotate.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIBRARY_QUEUE_NOW_PLAYING_TTL_S 3600 /* entries not updated for this long are hidden */
#define LIBRARY_QUEUE_NOW_PLAYING_MAX   200  /* entries in one now-playing answer */

typedef struct NowPlaying {
    const char *user_id;
    const char *username;
    const char *client;
    const char *song_id;
    int64_t position_ms;
    const char *state; /* "playing" | "paused" */
    int64_t updated_at;
} NowPlaying;

typedef struct PlayQueue {
    const char **song_ids; /* in queue order; songs no longer visible are left out */
    size_t n;
    int64_t current_index; /* into song_ids; 0 when empty */
    int64_t position_ms;
    int64_t changed_at; /* 0: never saved */
    const char *changed_by;
} PlayQueue;

typedef struct Bookmark {
    const char *song_id;
    int64_t position_ms;
    const char *comment;
    int64_t created_at;
    int64_t updated_at;
} Bookmark;

/* Sets what `client` of `user_id` plays: `state` "playing" or "paused" upserts the entry,
 * "stopped" removes it. Returns 0, -EINVAL (bad state, negative position, client empty or
 * longer than LIMIT_CLIENT_NAME_BYTES), -ENOENT (song not visible) or ERR_DB. */
int library_queue_now_playing_set(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                  const char *user_id, const char *client, const char *song_id,
                                  int64_t position_ms, const char *state, int64_t now);

/* Lists the now-playing entries updated within LIBRARY_QUEUE_NOW_PLAYING_TTL_S of `now` whose
 * songs are visible in `scope`: those of `user_id`, and with `others` every user's; newest
 * first, at most LIBRARY_QUEUE_NOW_PLAYING_MAX. Returns 0 or ERR_DB. */
int library_queue_now_playing_list(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                   const char *user_id, bool others, int64_t now,
                                   NowPlaying **ret_items, size_t *ret_count);

/* Replaces the play queue of `user_id` with `n` songs (ids may repeat), the current index
 * and position, saved by `client`. Returns 0, ERR_LIMIT (n > LIMIT_QUEUE_ENTRIES), -EINVAL
 * (index outside the queue, negative position, client too long), -ENOENT (a song id that
 * names no visible song; nothing is saved) or ERR_DB. */
int library_queue_save(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *user_id,
                       const char *const *song_ids, size_t n, int64_t current_index,
                       int64_t position_ms, const char *client, int64_t now);

/* Loads the play queue of `user_id` (an empty one when never saved). Songs that are no
 * longer visible are left out and the current index follows its song. Returns 0 or ERR_DB. */
int library_queue_load(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *user_id,
                       PlayQueue *ret_queue);

/* Creates or replaces the bookmark of `user_id` on `song_id`. Returns 0, -EINVAL (negative
 * position, comment over LIMIT_BOOKMARK_COMMENT_BYTES), -ENOENT (song not visible) or
 * ERR_DB. */
int library_queue_bookmark_set(DbConn *conn, Arena *arena, const LibraryScope *scope,
                               const char *user_id, const char *song_id, int64_t position_ms,
                               const char *comment, int64_t now);

/* Deletes the bookmark of `user_id` on `song_id`. Returns 0, -ENOENT (song not visible, or
 * no bookmark of this user there) or ERR_DB. */
int library_queue_bookmark_delete(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                  const char *user_id, const char *song_id);

/* Lists up to `limit` (1..LIMIT_PAGE_MAX) bookmarks of `user_id` on visible songs, most
 * recently updated first, after `cursor`. Returns 0, -EINVAL, ERR_PARSE or ERR_DB. */
int library_queue_bookmarks(DbConn *conn, Arena *arena, const LibraryScope *scope,
                            const char *user_id, const char *cursor, int limit,
                            Bookmark **ret_items, size_t *ret_count, const char **ret_next);

#endif
