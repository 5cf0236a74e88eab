/*
 * library_share.h - public share links: a song, an album, a playlist or a fixed list of songs
 * that anyone holding the link may play without an account, with an optional expiry,
 * description and download permission.
 *
 * A share's id is the link token itself: 18 random bytes (144 bits) in base64url, 24
 * characters. The owner creates, lists, changes and revokes their own shares (another
 * user's share is "not found"); the public side opens a share by its token and reaches only
 * the songs of the shared object that the owner can still see. A share whose owner is
 * disabled or lost the right to share answers as if it did not exist. Strings and arrays
 * are Arena-owned. Any thread, each with its own DbConn.
 */
#ifndef SWAZ_LIBRARY_SHARE_H
#define SWAZ_LIBRARY_SHARE_H

#include "core/arena.h"
#include "core/limits.h"
#include "db/db.h"
#include "library/library_song.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIBRARY_SHARE_ID_LEN 24 /* characters of a share id (base64url of 18 bytes) */

typedef enum {
    LIBRARY_SHARE_SONG,
    LIBRARY_SHARE_ALBUM,
    LIBRARY_SHARE_PLAYLIST,
    LIBRARY_SHARE_SONGS, /* a fixed list: item_id is song ids joined by LIBRARY_SHARE_SONGS_SEP */
} LibraryShareKind;

#define LIBRARY_SHARE_SONGS_SEP ','

typedef struct LibraryShare {
    const char *id;
    const char *owner_id;
    const char *owner_name;
    LibraryShareKind kind;
    const char *item_id;
    const char *description;
    int64_t expires_at; /* Unix seconds; 0: never */
    bool allow_download;
    int64_t created_at;
    int64_t visit_count;
    int64_t last_visited_at; /* 0: never visited */
    /* Filled by library_share_open() only: the owner's rights now. */
    bool owner_may_download;
    bool owner_all_libraries;
    int64_t owner_library_ids[LIMIT_MUSIC_DIRS];
    size_t owner_n_library_ids;
} LibraryShare;

/* What a share shows: the object's name and its songs in order. */
typedef struct LibraryShareItem {
    const char *name;     /* album or playlist name, or the song's title */
    const char *artist;   /* album artist or song artist; "" for a playlist */
    const char *cover_id; /* NULL when none */
    Song *songs;          /* at most LIMIT_SHARE_SONGS */
    size_t n_songs;
} LibraryShareItem;

/* Changes to a share: only the fields whose set_ flag is true are written. */
typedef struct LibraryShareUpdate {
    bool set_description;
    const char *description;
    bool set_expires_at;
    int64_t expires_at; /* 0: never */
    bool set_allow_download;
    bool allow_download;
} LibraryShareUpdate;

/* Parses "song", "album", "playlist" or "songs". Returns 0 or -EINVAL. */
int library_share_kind_parse(const char *s, LibraryShareKind *ret_kind);

/* Returns the name of `kind` ("song", "album", "playlist", "songs"). Static string. */
const char *library_share_kind_name(LibraryShareKind kind);

/* True if `id` has the shape of a share id (LIBRARY_SHARE_ID_LEN base64url characters). */
bool library_share_id_valid(const char *id);

/* Writes the item id of a "songs" share of `song_ids` (in order, repeats kept) to
 * *ret_item_id (Arena-owned). Returns 0, or -EINVAL unless there are 1..LIMIT_SHARE_SONGS
 * ids that a scanner could have made. */
int library_share_songs_id(Arena *arena, const char *const *song_ids, size_t n,
                           const char **ret_item_id);

/* Loads the shared object `kind`/`item_id` as user `viewer_id` may see it (a playlist must
 * be theirs or public; a "songs" list, named after its first song, those of its songs that
 * exist) with every song, unfiltered by library. Returns 0, -ENOENT (no such object, not
 * visible, or a malformed id), -EINVAL (a "songs" item id that is not 1..LIMIT_SHARE_SONGS
 * song ids) or ERR_DB. */
int library_share_item(DbConn *conn, Arena *arena, LibraryShareKind kind, const char *item_id,
                       const char *viewer_id, LibraryShareItem *ret_item);

/* Creates a share of `kind`/`item_id` owned by `owner_id` (the caller has checked that the
 * owner may share and sees the object). `description` at most LIMIT_SHARE_DESCRIPTION_BYTES
 * of UTF-8; `expires_at` 0 or later than `now`. Returns 0 with the new share, -EINVAL (bad
 * description or expiry), ERR_LIMIT (the owner holds LIMIT_SHARES_PER_USER shares) or
 * ERR_DB. */
int library_share_create(DbConn *conn, Arena *arena, const char *owner_id, LibraryShareKind kind,
                         const char *item_id, const char *description, int64_t expires_at,
                         bool allow_download, int64_t now, LibraryShare *ret_share);

/* Lists every share of `owner_id`, newest first (at most LIMIT_SHARES_PER_USER). Returns 0
 * or ERR_DB. Arena-owned array. */
int library_share_list(DbConn *conn, Arena *arena, const char *owner_id, LibraryShare **ret_items,
                       size_t *ret_count);

/* Fetches share `id` if `owner_id` owns it (expired or not). Returns 0, -ENOENT or ERR_DB. */
int library_share_get(DbConn *conn, Arena *arena, const char *owner_id, const char *id,
                      LibraryShare *ret_share);

/* Applies `u` to share `id` of `owner_id`. Returns 0, -ENOENT (not theirs), -EINVAL (bad
 * description) or ERR_DB. */
int library_share_update(DbConn *conn, const char *owner_id, const char *id,
                         const LibraryShareUpdate *u);

/* Revokes (deletes) share `id` of `owner_id`. Returns 0, -ENOENT (not theirs) or ERR_DB. */
int library_share_delete(DbConn *conn, const char *owner_id, const char *id);

/* Opens share `id` for the public at time `now`: with the owner's name and current rights.
 * Returns 0, -ENOENT (malformed id, no such share, expired, or an owner who is disabled or
 * may no longer share) or ERR_DB. */
int library_share_open(DbConn *conn, Arena *arena, const char *id, int64_t now,
                       LibraryShare *ret_share);

/* True if the owner of `share` (from library_share_open()) sees library `library_id`. */
bool library_share_sees(const LibraryShare *share, int64_t library_id);

/* Loads what the opened `share` shows: its object as the owner sees it, keeping only songs
 * of libraries the owner sees. Returns 0, -ENOENT (the object is gone) or ERR_DB. */
int library_share_songs(DbConn *conn, Arena *arena, const LibraryShare *share,
                        LibraryShareItem *ret_item);

/* Fetches song `song_id` if it belongs to the opened `share` and the owner sees it.
 * Returns 0, -ENOENT (malformed id, not part of the share, or gone) or ERR_DB. */
int library_share_song(DbConn *conn, Arena *arena, const LibraryShare *share, const char *song_id,
                       Song *ret_song);

/* Counts one visit of share `id` at `now`. Returns 0 or ERR_DB. */
int library_share_visit(DbConn *conn, const char *id, int64_t now);

#endif
