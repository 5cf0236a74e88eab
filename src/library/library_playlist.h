/*
 * library_playlist.h - playlists: ownership, sharing rights, entries by dense position, M3U
 * path resolution inside the libraries, and what a cover needs.
 *
 * Who may do what is decided here, inside the transaction of each write: the owner may do
 * everything; an editor (playlist_editors) may read and change the entries; anyone may read
 * a public playlist; nobody else learns that it exists (-ENOENT). Changing entries when one
 * may only read gives ERR_FORBIDDEN, as does changing name, comment, visibility, editors,
 * cover or deleting when one is not the owner. Every write is one transaction and keeps
 * positions dense (0..n-1), song_count and duration_ms right. Strings are Arena-owned.
 * Any thread, each with its own DbConn.
 */
#ifndef SWAZ_LIBRARY_PLAYLIST_H
#define SWAZ_LIBRARY_PLAYLIST_H

#include "core/arena.h"
#include "db/db.h"
#include "library/library_m3u.h"
#include "library/library_song.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Who is asking, and which libraries' songs they may add or see. */
typedef struct PlaylistUser {
    const char *id;
    bool all_libraries;         /* true: every library */
    const int64_t *library_ids; /* else only these */
    size_t n_library_ids;
} PlaylistUser;

typedef enum {
    PLAYLIST_ACCESS_READ = 1, /* a public playlist of someone else */
    PLAYLIST_ACCESS_EDIT = 2, /* an editor: read and change the entries */
    PLAYLIST_ACCESS_OWN = 3,  /* the owner: everything */
} PlaylistAccess;

typedef struct Playlist {
    const char *id;
    const char *owner_id;
    const char *owner_name;
    const char *name;
    const char *comment;
    bool is_public;
    int64_t song_count;
    int64_t duration_ms;
    const char *image_path; /* relative to the data dir; NULL when none was uploaded */
    int64_t created_at;
    int64_t updated_at;
    PlaylistAccess access; /* what the asking user may do */
} Playlist;

typedef struct PlaylistEntry {
    int64_t position;
    const char *song_id;
} PlaylistEntry;

/* One entry for an export: the song's relative path and tags. */
typedef struct PlaylistTrack {
    int64_t library_id;
    const char *path; /* relative to its library */
    const char *title;
    const char *artist;
    int64_t duration_ms;
} PlaylistTrack;

/* What became of one M3U entry. */
typedef enum {
    PLAYLIST_MATCH_OK = 0,
    PLAYLIST_MATCH_NOT_FOUND, /* inside a library, but no visible song there */
    PLAYLIST_MATCH_OUTSIDE,   /* resolves outside every library (or climbs with ..) */
    PLAYLIST_MATCH_URL,       /* a URL of another scheme */
} PlaylistMatchKind;

typedef struct PlaylistMatch {
    PlaylistMatchKind kind;
    const char *song_id; /* PLAYLIST_MATCH_OK only */
} PlaylistMatch;

/* Changes of library_playlist_update(); NULL / NULL pointer: unchanged. */
typedef struct PlaylistChanges {
    const char *name;
    const char *comment;
    const bool *is_public;
} PlaylistChanges;

/* True if `name` is a valid playlist name: 1..LIMIT_PLAYLIST_NAME_BYTES bytes of UTF-8
 * without control characters. */
bool library_playlist_name_valid(const char *name);

/* Fetches playlist `id` as `who` sees it. Returns 0, -ENOENT (no such playlist, a malformed
 * id, or a private one `who` neither owns nor edits) or ERR_DB. */
int library_playlist_get(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                         Playlist *ret_playlist);

/* Lists up to `limit` (1..LIMIT_PAGE_MAX) playlists `who` may read (own, edited, public) by
 * name, id, after `cursor` (NULL: from the start). Returns 0, -EINVAL, ERR_PARSE (bad cursor)
 * or ERR_DB; *ret_next is NULL on the last page. Arena-owned array. */
int library_playlist_list(DbConn *conn, Arena *arena, const PlaylistUser *who, const char *cursor,
                          int limit, Playlist **ret_items, size_t *ret_count,
                          const char **ret_next);

/* Creates a playlist owned by `who` holding `song_ids` (at most LIMIT_PLAYLIST_ENTRIES, each
 * a visible song; duplicates allowed). Writes the Arena-owned new id. Returns 0, -EINVAL (bad
 * name or comment), -ENOENT (an unknown or invisible song), ERR_LIMIT or ERR_DB. */
int library_playlist_create(DbConn *conn, Arena *arena, const PlaylistUser *who, const char *name,
                            const char *comment, bool is_public, const char *const *song_ids,
                            size_t n, const char **ret_id);

/* Changes name, comment or visibility (owner only). Returns 0, -EINVAL, -ENOENT,
 * ERR_FORBIDDEN or ERR_DB. */
int library_playlist_update(DbConn *conn, const char *id, const PlaylistUser *who,
                            const PlaylistChanges *changes);

/* Deletes the playlist (owner only) and writes its uploaded cover's path (Arena-owned, NULL
 * when none) so the caller can remove the file. Returns 0, -ENOENT, ERR_FORBIDDEN or ERR_DB. */
int library_playlist_delete(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                            const char **ret_image_path);

/* Inserts `song_ids` at `position` (0..song_count; -1: at the end). Owner or editor.
 * Returns 0, -EINVAL (bad position), -ENOENT (playlist or a song), ERR_FORBIDDEN, ERR_LIMIT
 * (the playlist would pass LIMIT_PLAYLIST_ENTRIES; nothing changes) or ERR_DB. */
int library_playlist_add(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                         const char *const *song_ids, size_t n, int64_t position);

/* Removes the entries at `positions` (distinct or not, each 0..song_count-1); the rest close
 * up. Owner or editor. Returns 0, -EINVAL, -ENOENT, ERR_FORBIDDEN or ERR_DB. */
int library_playlist_remove(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                            const int64_t *positions, size_t n);

/* Moves the entry at `from` so that it ends up at `to` (both 0..song_count-1). Owner or
 * editor. Returns 0, -EINVAL, -ENOENT, ERR_FORBIDDEN or ERR_DB. */
int library_playlist_move(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                          int64_t from, int64_t to);

/* Reorders the whole playlist: `order` lists every current position exactly once, in the
 * new order. Owner or editor. Returns 0, -EINVAL (not a permutation of 0..song_count-1),
 * -ENOENT, ERR_FORBIDDEN or ERR_DB. */
int library_playlist_reorder(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                             const int64_t *order, size_t n);

/* Lists up to `limit` entries with position > after_position (-1: from the start), by
 * position; *ret_more is true when more follow. The caller has checked read access with
 * library_playlist_get(). Returns 0, -EINVAL or ERR_DB. Arena-owned array. */
int library_playlist_entries(DbConn *conn, Arena *arena, const char *id, int64_t after_position,
                             int limit, PlaylistEntry **ret_entries, size_t *ret_count,
                             bool *ret_more);

/* Every entry with its song (missing songs left out), by position, for an export; songs of
 * libraries `who` cannot see are left out. Returns 0 or ERR_DB. Arena-owned array. */
int library_playlist_tracks(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                            PlaylistTrack **ret_tracks, size_t *ret_count);

/* Replaces the editors (owner only) with `users` (at most LIMIT_PLAYLIST_EDITORS user ids,
 * or usernames when `by_name`; the owner and duplicates are ignored). Returns 0, -EINVAL (an
 * unknown user; nothing changes), -ENOENT, ERR_FORBIDDEN, ERR_LIMIT or ERR_DB. */
int library_playlist_set_editors(DbConn *conn, const char *id, const PlaylistUser *who,
                                 const char *const *users, size_t n, bool by_name);

/* Lists the editors as (user id, username), by username. Returns 0 or ERR_DB. Arena-owned. */
int library_playlist_editors(DbConn *conn, Arena *arena, const char *id, LibraryRef **ret,
                             size_t *ret_count);

/* Records the uploaded cover's path (owner only; NULL removes it). Returns 0, -ENOENT,
 * ERR_FORBIDDEN or ERR_DB. */
int library_playlist_set_image(DbConn *conn, const char *id, const PlaylistUser *who,
                               const char *image_path);

/* Makes `jpeg` (`len` bytes) the playlist's uploaded cover (owner only): the file
 * <data_dir>/playlists/<id>.jpg is replaced through a temp file, fsync and rename, then
 * recorded. Returns 0, -ENOENT, ERR_FORBIDDEN (nothing written), a negative errno from the
 * file system or ERR_DB. */
int library_playlist_image_store(DbConn *conn, const char *data_dir, const char *id,
                                 const PlaylistUser *who, const void *jpeg, size_t len);

/* Reads the uploaded cover of `p` (as library_playlist_get() filled it) into the arena, at
 * most `max` bytes. Returns 0, -ENOENT (none, or its file is gone), ERR_LIMIT or a negative
 * errno. */
int library_playlist_image_read(Arena *arena, const char *data_dir, const Playlist *p, size_t max,
                                void **ret_data, size_t *ret_len);

/* As library_playlist_delete(), then removes the uploaded cover's file, if any. */
int library_playlist_destroy(DbConn *conn, Arena *arena, const char *data_dir, const char *id,
                             const PlaylistUser *who);

/* Writes up to `max` distinct album cover ids of the playlist's songs, in entry order.
 * Returns 0 or ERR_DB. Arena-owned array. */
int library_playlist_cover_ids(DbConn *conn, Arena *arena, const char *id, size_t max,
                               const char ***ret_ids, size_t *ret_count);

/* Resolves every entry of `m3u` to a visible song, inside the libraries only: a path is
 * normalised (library_m3u_normalize()); an absolute one must lie below a library's folder
 * and is matched by (library, relative path); a relative one is matched as a relative path
 * in every library `who` sees (lowest library id first). Nothing is opened. Writes an
 * Arena-owned array of m3u->n matches. Returns 0, -ENOMEM or ERR_DB. */
int library_playlist_resolve(DbConn *conn, Arena *arena, const PlaylistUser *who, const M3u *m3u,
                             PlaylistMatch **ret_matches);

#endif
