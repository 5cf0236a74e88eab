/*
 * library_avatar.h - user avatars: check an uploaded picture, make a square thumbnail of it,
 * store it under the data dir and record it in `avatars`.
 *
 * Input is untrusted: at most LIMIT_AVATAR_BYTES of JPEG, PNG or WebP (recognised by its
 * magic bytes), at most LIMIT_AVATAR_PIXELS by its header, decoded by media_image.h into a
 * centre-cropped square of at most LIBRARY_AVATAR_EDGE pixels, encoded as WebP. Files live
 * in <data_dir>/avatars/<user id>-<content hash>.webp, written to a temp name, fsync()ed and
 * renamed, so a reader sees the old or the new picture, never half of one. Any thread, each
 * with its own DbConn.
 */
#ifndef SWAZ_LIBRARY_AVATAR_H
#define SWAZ_LIBRARY_AVATAR_H

#include "core/arena.h"
#include "db/db.h"

#include <stddef.h>
#include <stdint.h>

#define LIBRARY_AVATAR_EDGE 256 /* the stored square's edge (smaller pictures are kept small) */

typedef struct LibraryAvatar {
    const char *path; /* absolute path of the stored picture */
    const char *mime; /* its Content-Type */
    int64_t updated_at;
} LibraryAvatar;

/* Names the format of `data` by its magic bytes: "image/jpeg", "image/png" or "image/webp"
 * (static strings). Returns 0 or ERR_PARSE (anything else, GIF included). */
int library_avatar_sniff(const void *data, size_t len, const char **ret_mime);

/* Replaces the avatar of `user_id` with a thumbnail of `data` at time `now`, removing the
 * previous file. Returns 0, ERR_PARSE (not a JPEG, PNG or WebP, or a malformed header),
 * ERR_LIMIT (more than LIMIT_AVATAR_BYTES or LIMIT_AVATAR_PIXELS), ERR_MEDIA (undecodable),
 * -ENOENT (malformed user id), a negative errno from the file system, or ERR_DB. */
int library_avatar_set(DbConn *conn, const char *data_dir, const char *user_id, const void *data,
                       size_t len, int64_t now);

/* Looks up the avatar of `user_id`. Returns 0 with *ret_avatar filled (strings
 * Arena-owned), -ENOENT (no avatar, or a malformed id) or ERR_DB. */
int library_avatar_get(DbConn *conn, Arena *arena, const char *data_dir, const char *user_id,
                       LibraryAvatar *ret_avatar);

/* Removes the avatar of `user_id` (row and file). Returns 0, -ENOENT (none) or ERR_DB. */
int library_avatar_delete(DbConn *conn, const char *data_dir, const char *user_id);

#endif
