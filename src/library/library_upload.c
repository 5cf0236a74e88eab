/*
 * library_upload.c - safe names, unnamed temporary files linked in when valid, the uploads
 * table.
 *
 * Bytes go to an O_TMPFILE file in the uploads folder (same file system as the target, so
 * the final step is one linkat through /proc/self/fd). Target folders are opened one
 * component at a time with O_NOFOLLOW, so a symbolic link under the uploads folder cannot
 * send a file elsewhere; linkat never replaces an existing name.
 */
#include "library/library_upload.h"

#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/str.h"
#include "core/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UPLOAD_ID_RAW_BYTES 16
#define UPLOAD_PROC_PATH    40 /* "/proc/self/fd/" and an int */
#define UPLOAD_NAME_TRIES   9  /* "name.ext", then "name (2).ext" ... "name (9).ext" */

static bool upload_bad_char(unsigned char c)
{
    return c < 0x20 || c == 0x7f || c == '/' || c == '\\';
}

int library_upload_name(const char *name, char *out)
{
    size_t len = name ? strnlen(name, LIMIT_UPLOAD_NAME_BYTES + 1) : 0;
    if (len == 0 || len > LIMIT_UPLOAD_NAME_BYTES || name[0] == '.' || !utf8_valid(name, len))
        return -EINVAL;
    for (size_t i = 0; i < len; i++)
        if (upload_bad_char((unsigned char)name[i]))
            return -EINVAL;
    memcpy(out, name, len);
    out[len] = '\0';
    return 0;
}

void library_upload_folder_name(const char *tag, const char *fallback, char *out)
{
    size_t o = 0;
    const char *p = tag ? tag : "";
    while (*p == '.' || *p == ' ')
        p++;
    size_t len = strlen(p);
    if (len > LIMIT_UPLOAD_NAME_BYTES) {
        len = LIMIT_UPLOAD_NAME_BYTES;
        while (len > 0 && ((unsigned char)p[len] & 0xC0) == 0x80)
            len--; /* cut before a continuation byte: on a character boundary */
    }
    for (size_t i = 0; i < len; i++)
        out[o++] = upload_bad_char((unsigned char)p[i]) ? '_' : p[i];
    while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '.'))
        o--;
    out[o] = '\0';
    if (o == 0 || !utf8_valid(out, o))
        str_copy(out, fallback, LIMIT_UPLOAD_NAME_BYTES + 1);
}

int library_upload_open(const char *dir, int *ret_fd)
{
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno == EISDIR ? -EOPNOTSUPP : -errno;
    *ret_fd = fd;
    return 0;
}

int library_upload_write(int fd, const void *data, size_t len)
{
    return file_write_all(fd, data, len);
}

static void upload_proc_path(int fd, char *out)
{
    snprintf(out, UPLOAD_PROC_PATH, "/proc/self/fd/%d", fd);
}

int library_upload_probe(int fd, Arena *arena, MediaInfo *ret_info)
{
    char path[UPLOAD_PROC_PATH];
    upload_proc_path(fd, path);
    MediaInfo info;
    int r = media_probe(path, arena, &info);
    if (r < 0)
        return r == -ENOENT || r == -EACCES ? ERR_MEDIA : r;
    if (info.duration_ms <= 0 && info.sample_rate <= 0)
        return ERR_MEDIA; /* a stream libavformat names audio but cannot say anything of */
    *ret_info = info;
    return 0;
}

/* Opens (creating) `name` below the directory `at` without following symbolic links. */
static int upload_subdir(int at, const char *name, int *ret_fd)
{
    if (mkdirat(at, name, 0755) < 0 && errno != EEXIST)
        return -errno;
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ELOOP ? -ENOTDIR : -errno;
    *ret_fd = fd;
    return 0;
}

/* Writes "stem (k).ext" for try k >= 2, else the name itself, into out. */
static void upload_try_name(const char *name, int k, char *out, size_t cap)
{
    if (k < 2) {
        str_copy(out, name, cap);
        return;
    }
    const char *dot = strrchr(name, '.');
    size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
    snprintf(out, cap, "%.*s (%d)%s", (int)stem, name, k, name + stem);
}

int library_upload_link(int fd, const char *root, const char *user, const MediaInfo *info,
                        const char *name, Arena *arena, const char **ret_path)
{
    char parts[3][LIMIT_UPLOAD_NAME_BYTES + 1];
    library_upload_folder_name(user, "user", parts[0]);
    library_upload_folder_name(info->album_artist[0] ? info->album_artist : info->artist,
                               "Unknown Artist", parts[1]);
    library_upload_folder_name(info->album, "Unknown Album", parts[2]);
    if (fdatasync(fd) < 0)
        return -errno;
    int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return -errno;
    int r = 0;
    for (int i = 0; i < 3 && r == 0; i++) {
        int sub = 0;
        r = upload_subdir(dir, parts[i], &sub);
        if (r == 0) {
            close(dir);
            dir = sub;
        }
    }
    if (r < 0)
        goto out_close;
    char proc[UPLOAD_PROC_PATH];
    upload_proc_path(fd, proc);
    char final[LIMIT_UPLOAD_NAME_BYTES + 16];
    r = -EEXIST;
    for (int k = 1; k <= UPLOAD_NAME_TRIES && r == -EEXIST; k++) {
        upload_try_name(name, k, final, sizeof(final));
        r = linkat(AT_FDCWD, proc, dir, final, AT_SYMLINK_FOLLOW) == 0 ? 0 : -errno;
    }
    if (r < 0)
        goto out_close;
    fsync(dir);
    const char *rel = arena_printf(arena, "%s/%s/%s/%s", parts[0], parts[1], parts[2], final);
    if (!rel) {
        r = -ENOMEM;
        goto out_close;
    }
    *ret_path = rel;

out_close:
    close(dir);
    return r;
}

/* ---- the uploads table ---- */

int library_upload_add(DbConn *conn, const char *user_id, const char *name, int64_t now,
                       char *ret_id)
{
    unsigned char raw[UPLOAD_ID_RAW_BYTES];
    char id[LIBRARY_UPLOAD_ID_LEN + 1];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(id, sizeof(id), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    DbStmt *st;
    int r = db_prepare(conn,
                       "INSERT INTO uploads (id, user_id, name, status, created_at, updated_at) "
                       "VALUES (?, ?, ?, 'receiving', ?, ?)",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) == 0 && (r = db_bind_text(st, 2, user_id)) == 0 &&
        (r = db_bind_text(st, 3, name)) == 0 && (r = db_bind_int64(st, 4, now)) == 0 &&
        (r = db_bind_int64(st, 5, now)) == 0)
        r = db_step(st);
    db_finalize(st);
    if (r < 0)
        return r;
    memcpy(ret_id, id, sizeof(id));
    return 0;
}

int library_upload_progress(DbConn *conn, const char *id, int64_t size, int64_t now)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "UPDATE uploads SET size = ?, updated_at = ? "
                       "WHERE id = ? AND status = 'receiving'",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_int64(st, 1, size)) == 0 && (r = db_bind_int64(st, 2, now)) == 0 &&
        (r = db_bind_text(st, 3, id)) == 0)
        r = db_step(st);
    db_finalize(st);
    return r < 0 ? r : 0;
}

int library_upload_finish(DbConn *conn, const char *id, const char *path, const char *error,
                          int64_t size, int64_t now)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "UPDATE uploads SET status = ?, path = ?, error = ?, size = ?, "
                       "updated_at = ? WHERE id = ?",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, path ? "stored" : "failed")) == 0 &&
        (r = db_bind_text(st, 2, path ? path : "")) == 0 &&
        (r = db_bind_text(st, 3, path ? "" : (error ? error : "failed"))) == 0 &&
        (r = db_bind_int64(st, 4, size)) == 0 && (r = db_bind_int64(st, 5, now)) == 0 &&
        (r = db_bind_text(st, 6, id)) == 0)
        r = db_step(st);
    db_finalize(st);
    return r < 0 ? r : 0;
}

int library_upload_grant(DbConn *conn, const char *user_id, const char *root)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "INSERT INTO user_libraries (user_id, library_id) "
                       "SELECT u.id, l.id FROM users u, libraries l "
                       "WHERE u.id = ? AND u.all_libraries = 0 AND l.path = ? "
                       "ON CONFLICT (user_id, library_id) DO NOTHING",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) == 0 && (r = db_bind_text(st, 2, root)) == 0)
        r = db_step(st);
    int64_t granted = r >= 0 ? db_changes(st) : 0;
    db_finalize(st);
    if (r >= 0 && granted > 0)
        r = db_generation_bump(conn, DB_GENERATION_USERS); /* the user's libraries changed */
    return r < 0 ? r : 0;
}

static const char *upload_col(Arena *arena, DbStmt *st, int col)
{
    return arena_strdup(arena, db_column_is_null(st, col) ? "" : db_column_text(st, col));
}

int library_upload_list(DbConn *conn, Arena *arena, const char *user_id, const char *root,
                        int limit, LibraryUpload **ret_items, size_t *ret_n)
{
    if (limit < 1 || limit > LIMIT_UPLOADS_LISTED)
        return -EINVAL;
    LibraryUpload *items = arena_calloc(arena, (size_t)limit, sizeof(*items));
    if (!items)
        return -ENOMEM;
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT u.id, u.name, u.path, u.size, u.status, u.error, s.id, "
                       "u.created_at, u.updated_at FROM uploads u "
                       "LEFT JOIN songs s ON u.status = 'stored' AND s.path = u.path "
                       "AND s.missing = 0 AND s.library_id = "
                       "(SELECT id FROM libraries WHERE path = ?) "
                       "WHERE u.user_id = ? ORDER BY u.created_at DESC, u.id DESC LIMIT ?",
                       &st);
    if (r < 0)
        return r;
    size_t n = 0;
    if ((r = db_bind_text(st, 1, root)) < 0 || (r = db_bind_text(st, 2, user_id)) < 0 ||
        (r = db_bind_int64(st, 3, limit)) < 0)
        goto out_finalize;
    while ((r = db_step(st)) == DB_ROW && n < (size_t)limit) {
        LibraryUpload *u = &items[n++];
        u->id = upload_col(arena, st, 0);
        u->name = upload_col(arena, st, 1);
        u->path = upload_col(arena, st, 2);
        u->size = db_column_int64(st, 3);
        u->status = upload_col(arena, st, 4);
        u->error = upload_col(arena, st, 5);
        u->song_id = db_column_is_null(st, 6) ? NULL : upload_col(arena, st, 6);
        u->created_at = db_column_int64(st, 7);
        u->updated_at = db_column_int64(st, 8);
        if (!u->id || !u->name || !u->path || !u->status || !u->error) {
            r = -ENOMEM;
            goto out_finalize;
        }
        if (u->song_id)
            u->status = "ready";
    }
    if (r == DB_DONE) {
        *ret_items = items;
        *ret_n = n;
    }

out_finalize:
    db_finalize(st);
    return r < 0 ? r : 0;
}
