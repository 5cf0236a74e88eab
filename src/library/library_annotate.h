/*
 * library_annotate.h - a user's favourites (stars) and ratings of songs, albums and artists,
 * and the visibility rule every personal query shares: an item is visible to a user when it
 * exists (songs: not missing) and, for a user limited to some libraries, has a song in one of
 * them (LibraryScope; NULL sees every library).
 *
 * Owns nothing beyond the rows it writes; strings and arrays it returns are Arena-owned.
 * Any thread, each with its own DbConn.
 */
#ifndef SWAZ_LIBRARY_ANNOTATE_H
#define SWAZ_LIBRARY_ANNOTATE_H

#include "core/arena.h"
#include "db/db.h"
#include "library/library_scope.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { ANNOTATE_SONG, ANNOTATE_ALBUM, ANNOTATE_ARTIST } AnnotateKind;

/* One favourite: the item and when it was starred (Unix seconds). */
typedef struct StarEntry {
    const char *item_id;
    int64_t starred_at;
} StarEntry;

/* What one user set on one item, for lists that show it beside each item. */
typedef struct AnnotateUserData {
    int64_t starred_at;     /* Unix seconds; 0: not starred */
    int rating;             /* 1..5; 0: none */
    int64_t play_count;     /* songs; albums: their songs' plays, counted on the album */
    int64_t last_played_at; /* songs and albums; 0: never */
} AnnotateUserData;

/* Parses "song" | "album" | "artist". Returns 0 or -EINVAL. */
int library_annotate_kind(const char *name, AnnotateKind *ret_kind);

/* Returns the name of `kind` ("song", ...); static. */
const char *library_annotate_kind_name(AnnotateKind kind);

/* Returns an Arena-owned SQL condition, true when the item of `kind` whose id is the SQL
 * expression `id_expr` (a fixed column name of the caller, never request text) is visible
 * in `scope`; the condition holds `?` placeholders that library_annotate_scope_bind() binds,
 * *ret_binds times. NULL when out of memory. */
const char *library_annotate_visible_sql(Arena *arena, const LibraryScope *scope, AnnotateKind kind,
                                         const char *id_expr, int *ret_binds);

/* Binds the library ids of `scope` `times` times from parameter *idx on, advancing *idx.
 * Returns 0 or a negative error. */
int library_annotate_scope_bind(DbStmt *st, const LibraryScope *scope, int times, int *idx);

/* Checks that item `id` of `kind` is visible in `scope`. Returns 0, -ENOENT (unknown,
 * missing, malformed id or outside the scope) or ERR_DB. */
int library_annotate_visible(DbConn *conn, Arena *arena, const LibraryScope *scope,
                             AnnotateKind kind, const char *id);

/* Stars item `id` for `user_id` at `now` (starring twice keeps the first time). Returns 0,
 * -ENOENT (not visible) or ERR_DB. */
int library_annotate_star(DbConn *conn, Arena *arena, const LibraryScope *scope,
                          const char *user_id, AnnotateKind kind, const char *id, int64_t now);

/* Removes the star of `user_id` on item `id` (no-op when not starred). Returns 0, -ENOENT
 * (not visible) or ERR_DB. */
int library_annotate_unstar(DbConn *conn, Arena *arena, const LibraryScope *scope,
                            const char *user_id, AnnotateKind kind, const char *id);

/* Sets the rating (1..5) of `user_id` on item `id`; 0 removes it. Returns 0, -EINVAL
 * (rating outside 0..5), -ENOENT (not visible) or ERR_DB. */
int library_annotate_rate(DbConn *conn, Arena *arena, const LibraryScope *scope,
                          const char *user_id, AnnotateKind kind, const char *id, int rating,
                          int64_t now);

/* Reads what `user_id` set on item `id`: *ret_starred_at (0: not starred) and *ret_rating
 * (0: none). Returns 0, -ENOENT (not visible) or ERR_DB. */
int library_annotate_get(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *user_id,
                         AnnotateKind kind, const char *id, int64_t *ret_starred_at,
                         int *ret_rating);

/* Lists up to `limit` (1..LIMIT_PAGE_MAX) visible favourites of `kind` of `user_id`, newest
 * first (starred_at, item_id descending), after `cursor` (NULL: from the start); *ret_next is
 * the next page's cursor or NULL. Returns 0, -EINVAL, ERR_PARSE (malformed cursor) or
 * ERR_DB. Arena-owned array. */
int library_annotate_stars(DbConn *conn, Arena *arena, const LibraryScope *scope,
                           const char *user_id, AnnotateKind kind, const char *cursor, int limit,
                           StarEntry **ret_items, size_t *ret_count, const char **ret_next);

/* Reads what `user_id` set on each of the `n` items `ids` of `kind` (stars, ratings and,
 * for songs and albums, play counts) into ret_data[0..n), zeroed first; unknown ids stay zero.
 * Visibility is not checked: the ids come from a query that already did. Returns 0, -ENOMEM or
 * ERR_DB. */
int library_annotate_user_data(DbConn *conn, Arena *arena, const char *user_id, AnnotateKind kind,
                               const char *const *ids, size_t n, AnnotateUserData *ret_data);

/* Bytes of a digest of library_annotate_digest(). */
#define LIBRARY_ANNOTATE_DIGEST_BYTES 16

/* Writes to ret_digest a digest of every star (with its time) and rating `user_id` set on
 * items of `kind`, visible or not: equal digests mean the same annotations, so an answer that
 * shows them may be kept under the digest and shared by users whose digests are equal. One
 * indexed read of the user's rows of that kind. Returns 0 or ERR_DB. */
int library_annotate_digest(DbConn *conn, const char *user_id, AnnotateKind kind,
                            unsigned char ret_digest[LIBRARY_ANNOTATE_DIGEST_BYTES]);

#endif
