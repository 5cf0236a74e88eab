/*
 * library_upload.h - files users upload into the uploads folder, and the uploads table.
 *
 * The bytes of an upload go into an unnamed temporary file (O_TMPFILE) inside the uploads
 * folder, so an interrupted or refused upload leaves nothing behind, not even after a
 * crash; only a complete file that libavformat reads as audio is linked in, under
 * <uploads>/<user>/<artist>/<album>/<name>, without replacing anything already there. The
 * table keeps each upload's status and size for its owner. Names are made safe here.
 * Plain functions; any thread (a DbConn belongs to its caller's thread).
 */
#ifndef SWAZ_LIBRARY_UPLOAD_H
#define SWAZ_LIBRARY_UPLOAD_H

#include "core/arena.h"
#include "db/db.h"
#include "media/media_probe.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIBRARY_UPLOAD_ID_LEN 22 /* characters of an upload id */

/* Checks a client's file name and copies it to `out` (at least LIMIT_UPLOAD_NAME_BYTES + 1
 * bytes). Returns 0, or -EINVAL for an empty name, one longer than LIMIT_UPLOAD_NAME_BYTES,
 * one that is not UTF-8, holds a '/', '\\' or control character, or starts with '.'
 * ("..", hidden files). */
int library_upload_name(const char *name, char *out);

/* Writes a folder name made from a tag value into `out` (LIMIT_UPLOAD_NAME_BYTES + 1
 * bytes): separators and control characters become '_', leading dots and spaces go, the
 * rest is cut to LIMIT_UPLOAD_NAME_BYTES on a UTF-8 boundary; `fallback` when nothing is
 * left. Never fails. */
void library_upload_folder_name(const char *tag, const char *fallback, char *out);

/* Opens an unnamed temporary file in `dir` for writing an upload. Returns 0 with the
 * descriptor (caller closes; closing without library_upload_link() discards the bytes),
 * or a negative errno (-EOPNOTSUPP: the file system cannot hold unnamed files). */
int library_upload_open(const char *dir, int *ret_fd);

/* Writes all `len` bytes to `fd`. Returns 0 or a negative errno (-ENOSPC, -EDQUOT and
 * -EFBIG when the disk or a size limit is full). */
int library_upload_write(int fd, const void *data, size_t len);

/* Probes the complete temporary file behind `fd` with libavformat, whatever its name or
 * declared type. Returns 0 with *ret_info (strings Arena-owned), ERR_MEDIA when it holds no
 * readable audio, or a negative errno. */
int library_upload_probe(int fd, Arena *arena, MediaInfo *ret_info);

/* Flushes the file behind `fd` and links it into <root>/<user>/<artist>/<album>/ under
 * `name` (folders made from the tags of `info`, created as needed); when that name is taken
 * it tries "name (2).ext" up to "(9)". Writes the path relative to `root` (Arena-owned) to
 * *ret_path. Returns 0, -EEXIST (every name taken), or a negative errno (-ENOSPC...). */
int library_upload_link(int fd, const char *root, const char *user, const MediaInfo *info,
                        const char *name, Arena *arena, const char **ret_path);

/* One row of the uploads table. Strings Arena-owned. */
typedef struct LibraryUpload {
    const char *id;
    const char *name;
    const char *path;    /* relative to the uploads folder; "" until stored */
    int64_t size;        /* bytes received */
    const char *status;  /* "receiving", "stored", "ready" (scanned) or "failed" */
    const char *error;   /* why it failed, or "" */
    const char *song_id; /* the scanned song, or NULL */
    int64_t created_at;
    int64_t updated_at;
} LibraryUpload;

/* Records a new upload of `name` by `user_id`, status "receiving". Writes its id
 * (LIBRARY_UPLOAD_ID_LEN + 1 bytes) to `ret_id`. Returns 0 or ERR_DB. */
int library_upload_add(DbConn *conn, const char *user_id, const char *name, int64_t now,
                       char *ret_id);

/* Sets the received size of a "receiving" upload. Returns 0 or ERR_DB. */
int library_upload_progress(DbConn *conn, const char *id, int64_t size, int64_t now);

/* Marks an upload "stored" at `path`, or "failed" with `error` when `path` is NULL.
 * Returns 0 or ERR_DB. */
int library_upload_finish(DbConn *conn, const char *id, const char *path, const char *error,
                          int64_t size, int64_t now);

/* Lets `user_id` see the library whose folder is `root` (the uploads) when the account is
 * limited to some libraries, so an uploader finds their songs; does nothing for accounts
 * that see every library or when that library is not scanned yet. Returns 0 or ERR_DB. */
int library_upload_grant(DbConn *conn, const char *user_id, const char *root);

/* Lists the most recent uploads of `user_id` (at most `limit`, newest first), each with the
 * song the scanner made of it in the library whose folder is `root`. Returns 0 with an
 * Arena-owned array in *ret_items and its length in *ret_n, or ERR_DB / -ENOMEM. */
int library_upload_list(DbConn *conn, Arena *arena, const char *user_id, const char *root,
                        int limit, LibraryUpload **ret_items, size_t *ret_n);

#endif
