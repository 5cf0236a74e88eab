/*
 * library_avatar.c - avatar pictures: magic-byte sniffing, thumbnailing through
 * media_image.h, atomic files under <data_dir>/avatars/ and the `avatars` row naming them.
 *
 * The file name holds a hash of the stored bytes, so a new picture never overwrites the file
 * a reader may have open; the row is switched in a transaction and the previous file is
 * removed afterwards (best effort: a crash between the two leaves one orphan file).
 */
#include "library/library_avatar.h"

#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/str.h"
#include "media/media_image.h"

#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AVATAR_DIR       "avatars"
#define AVATAR_HASH_LEN  16 /* hex digits of the content hash in a file name */
#define AVATAR_MIME      "image/webp"
#define AVATAR_EXTENSION "webp"

int library_avatar_sniff(const void *data, size_t len, const char **ret_mime)
{
    const unsigned char *p = data;
    if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) {
        *ret_mime = "image/jpeg";
        return 0;
    }
    if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) {
        *ret_mime = "image/png";
        return 0;
    }
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) {
        *ret_mime = "image/webp";
        return 0;
    }
    return ERR_PARSE;
}

/* User ids name files: only 1..LIMIT_ID_BYTES characters of [A-Za-z0-9_-]. */
static bool avatar_user_id_valid(const char *id)
{
    return str_is_base64url(id, 1, LIMIT_ID_BYTES);
}

/* A stored name is "<user id>-<hash>.webp": no slash, no dot-dot, nothing else. */
static bool avatar_name_valid(const char *name, const char *user_id)
{
    size_t ulen = strlen(user_id);
    return strncmp(name, user_id, ulen) == 0 && name[ulen] == '-' && !strchr(name, '/') &&
           !strstr(name, "..") && strlen(name) < NAME_MAX;
}

/* Removes <data_dir>/avatars/<name>. Best effort. */
static void avatar_unlink(const char *data_dir, const char *name)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%s/" AVATAR_DIR "/%s", data_dir, name);
    if (n > 0 && (size_t)n < sizeof(path))
        unlink(path);
}

/* Reads the stored file name of `user_id`'s avatar into `name` ("" when none). */
static int avatar_current(DbConn *conn, const char *user_id, char *name, size_t cap)
{
    DbStmt *st;
    int r = db_prepare(conn, "SELECT path FROM avatars WHERE user_id = ?", &st);
    if (r < 0)
        return r;
    name[0] = '\0';
    if ((r = db_bind_text(st, 1, user_id)) == 0)
        r = db_step(st);
    if (r == DB_ROW) {
        const char *t = db_column_text(st, 0);
        str_copy(name, t ? t : "", cap);
    }
    db_finalize(st);
    return r < 0 ? r : 0;
}

int library_avatar_set(DbConn *conn, const char *data_dir, const char *user_id, const void *data,
                       size_t len, int64_t now)
{
    if (!avatar_user_id_valid(user_id))
        return -ENOENT;
    if (len > LIMIT_AVATAR_BYTES)
        return ERR_LIMIT;
    const char *mime;
    int r = library_avatar_sniff(data, len, &mime);
    if (r < 0)
        return r;
    int w, h;
    if ((r = media_image_header(data, len, &w, &h)) < 0)
        return r;
    if ((int64_t)w * (int64_t)h > LIMIT_AVATAR_PIXELS)
        return ERR_LIMIT;
    void *img;
    size_t img_len;
    if ((r = media_image_thumbnail(data, len, LIBRARY_AVATAR_EDGE, MEDIA_IMAGE_WEBP, &img,
                                   &img_len)) < 0)
        return r;

    unsigned char hash[AVATAR_HASH_LEN / 2];
    char hex[AVATAR_HASH_LEN + 1];
    crypto_generichash(hash, sizeof(hash), img, img_len, NULL, 0);
    str_hex(hash, sizeof(hash), hex);
    char dir[PATH_MAX];
    char name[NAME_MAX + 1];
    int n1 = snprintf(dir, sizeof(dir), "%s/" AVATAR_DIR, data_dir);
    int n2 = snprintf(name, sizeof(name), "%s-%s." AVATAR_EXTENSION, user_id, hex);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(dir) || (size_t)n2 >= sizeof(name)) {
        media_image_free(img);
        return -ENAMETOOLONG;
    }
    r = file_store(dir, name, img, img_len, NULL);
    media_image_free(img);
    if (r < 0)
        return r;

    char old[NAME_MAX + 1];
    if ((r = db_begin_write(conn)) < 0)
        goto out_unlink;
    if ((r = avatar_current(conn, user_id, old, sizeof(old))) < 0)
        goto out_rollback;
    DbStmt *st;
    if ((r = db_prepare(conn,
                        "INSERT INTO avatars (user_id, path, mime, updated_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (user_id) DO UPDATE SET path = excluded.path,"
                        " mime = excluded.mime, updated_at = excluded.updated_at",
                        &st)) < 0)
        goto out_rollback;
    if ((r = db_bind_text(st, 1, user_id)) == 0 && (r = db_bind_text(st, 2, name)) == 0 &&
        (r = db_bind_text(st, 3, AVATAR_MIME)) == 0 && (r = db_bind_int64(st, 4, now)) == 0)
        r = db_step(st);
    db_finalize(st);
    if (r < 0)
        goto out_rollback;
    if ((r = db_commit(conn)) < 0)
        goto out_rollback;
    if (old[0] && strcmp(old, name) != 0 && avatar_name_valid(old, user_id))
        avatar_unlink(data_dir, old);
    return 0;
out_rollback:
    db_rollback(conn);
out_unlink:
    /* The same picture may already be the stored one: keep the file the row names. */
    if (avatar_current(conn, user_id, old, sizeof(old)) < 0 || strcmp(old, name) != 0)
        avatar_unlink(data_dir, name);
    return r;
}

int library_avatar_get(DbConn *conn, Arena *arena, const char *data_dir, const char *user_id,
                       LibraryAvatar *ret_avatar)
{
    if (!avatar_user_id_valid(user_id))
        return -ENOENT;
    DbStmt *st;
    int r = db_prepare(conn, "SELECT path, mime, updated_at FROM avatars WHERE user_id = ?", &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_DONE)
        r = -ENOENT;
    if (r < 0)
        goto out_finalize;
    const char *name = db_column_text(st, 0);
    const char *mime = db_column_text(st, 1);
    if (!name || !mime || !avatar_name_valid(name, user_id)) {
        r = -ENOENT;
        goto out_finalize;
    }
    LibraryAvatar a = {
        .path = arena_printf(arena, "%s/" AVATAR_DIR "/%s", data_dir, name),
        .mime = arena_strdup(arena, mime),
        .updated_at = db_column_int64(st, 2),
    };
    if (!a.path || !a.mime) {
        r = -ENOMEM;
        goto out_finalize;
    }
    *ret_avatar = a;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_avatar_delete(DbConn *conn, const char *data_dir, const char *user_id)
{
    if (!avatar_user_id_valid(user_id))
        return -ENOENT;
    char old[NAME_MAX + 1];
    int r = db_begin_write(conn);
    if (r < 0)
        return r;
    if ((r = avatar_current(conn, user_id, old, sizeof(old))) < 0)
        goto out_rollback;
    if (!old[0]) {
        r = -ENOENT;
        goto out_rollback;
    }
    DbStmt *st;
    if ((r = db_prepare(conn, "DELETE FROM avatars WHERE user_id = ?", &st)) < 0)
        goto out_rollback;
    if ((r = db_bind_text(st, 1, user_id)) == 0)
        r = db_step(st);
    db_finalize(st);
    if (r < 0)
        goto out_rollback;
    if ((r = db_commit(conn)) < 0)
        goto out_rollback;
    if (avatar_name_valid(old, user_id))
        avatar_unlink(data_dir, old);
    return 0;
out_rollback:
    db_rollback(conn);
    return r;
}
