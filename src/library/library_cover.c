/*
 * library_cover.c - cover lookup and the on-disk cover cache.
 *
 * The cache needs no index: a rendition's name holds everything that decides its bytes (id,
 * edge, source version, format), so a hit is one open(). Bound: per cover at most one file
 * per (edge, format) pair - 5 edges x 2 formats - because making a new version deletes the
 * older ones beside it; the whole tree may be removed at any time. Concurrent misses for
 * the same rendition both render and both rename: the last rename wins, readers never see
 * a partial file.
 */
#include "library/library_cover.h"

#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/str.h"
#include "media/media_picture.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COVER_TMP_MAX_AGE_S 3600 /* temp files older than this are left over from a crash */

static const int cover_edges[] = {64, 128, 256, 512, 1024};

/* Ids are lowercase hex made by the scanner; anything else names no row. */
static bool cover_id_valid(const char *id)
{
    return str_is_hex_lower(id, 2, LIMIT_ID_BYTES);
}

/* A relative path the scanner could have stored: not absolute, no "..", no empty name. */
static bool cover_path_safe(const char *p)
{
    if (!*p || *p == '/')
        return false;
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || (n == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        s += n + (e ? 1 : 0);
    }
    return true;
}

int library_cover_get(DbConn *conn, Arena *arena, const char *id, LibraryCover *ret_cover)
{
    if (!id || !cover_id_valid(id))
        return -ENOENT;
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT c.library_id, c.kind, c.path, l.path FROM covers c "
                       "JOIN libraries l ON l.id = c.library_id WHERE c.id = ?",
                       &st);
    if (r < 0)
        return r;
    r = db_bind_text(st, 1, id);
    if (r < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_DONE) {
        r = -ENOENT;
        goto out_finalize;
    }
    if (r < 0)
        goto out_finalize;

    LibraryCover c = {.library_id = db_column_int64(st, 0)};
    const char *kind = db_column_text(st, 1);
    const char *rel = db_column_text(st, 2);
    const char *root = db_column_text(st, 3);
    if (!kind || !rel || !root || !cover_path_safe(rel)) {
        r = ERR_MEDIA;
        goto out_finalize;
    }
    if (strcmp(kind, "embedded") == 0) {
        c.embedded = true;
    } else if (strcmp(kind, "file") != 0) {
        r = ERR_MEDIA;
        goto out_finalize;
    }
    c.id = arena_strdup(arena, id);
    c.path = arena_printf(arena, "%s/%s", root, rel);
    if (!c.id || !c.path) {
        r = -ENOMEM;
        goto out_finalize;
    }
    struct stat sb;
    if (stat(c.path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        r = -ENOENT;
        goto out_finalize;
    }
    c.size = (int64_t)sb.st_size;
    c.mtime = (int64_t)sb.st_mtim.tv_sec;
    *ret_cover = c;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_cover_get_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *id,
                             LibraryCover *ret_cover)
{
    LibraryCover c;
    int r = library_cover_get(conn, arena, id, &c);
    if (r < 0)
        return r;
    if (!library_scope_sees(scope, c.library_id))
        return -ENOENT;
    *ret_cover = c;
    return 0;
}

const char *library_cover_version(Arena *arena, const LibraryCover *cover)
{
    return arena_printf(arena, "%" PRIx64 ".%" PRIx64, (uint64_t)cover->size,
                        (uint64_t)cover->mtime);
}

int library_cover_snap(int64_t requested)
{
    for (size_t i = 0; i < sizeof(cover_edges) / sizeof(cover_edges[0]); i++) {
        if (requested <= cover_edges[i] && cover_edges[i] <= LIMIT_COVER_SIZE_MAX)
            return cover_edges[i];
    }
    return LIMIT_COVER_SIZE_MAX;
}

/* Opens `path` for reading if it is a non-empty regular file. Returns 0 or a negative errno
 * (-ENOENT for a miss). */
static int cover_open_hit(const char *path, int *ret_fd, uint64_t *ret_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0) {
        close(fd);
        return -ENOENT;
    }
    *ret_fd = fd;
    *ret_len = (uint64_t)sb.st_size;
    return 0;
}

/* Stores `data` as `dir`/`name` (file_store()) and leaves it open for the answer. Returns 0
 * or a negative errno. */
static int cover_store(const char *dir, const char *name, const void *data, size_t len, int *ret_fd,
                       uint64_t *ret_len)
{
    int r = file_store(dir, name, data, len, ret_fd);
    if (r == 0)
        *ret_len = (uint64_t)len;
    return r;
}

/* Removes, in `dir`, older versions of the rendition `prefix`*`.`ext (all but `keep`) and temp
 * files a crash left behind. Best effort. */
static void cover_prune(const char *dir, const char *prefix, const char *ext, const char *keep)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char suffix[16];
    snprintf(suffix, sizeof(suffix), ".%s", ext);
    size_t slen = strlen(suffix);
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (name[0] == '.' || strcmp(name, keep) == 0)
            continue;
        size_t n = strlen(name);
        bool stale =
            str_has_prefix(name, prefix) && n > slen && strcmp(name + n - slen, suffix) == 0;
        if (!stale && strstr(name, ".tmp-")) {
            struct stat sb;
            stale = fstatat(dirfd(d), name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
                    now - sb.st_mtim.tv_sec > COVER_TMP_MAX_AGE_S;
        }
        if (stale)
            unlinkat(dirfd(d), name, 0);
    }
    closedir(d);
}

/* Reads a cover file whole, refusing more than LIMIT_PICTURE_BYTES. Caller frees. */
static int cover_read_file(const char *path, void **ret_data, size_t *ret_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return errno == EACCES ? -EACCES : -ENOENT;
    int r;
    char *buf = NULL;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        r = -ENOENT;
        goto out_close;
    }
    if (sb.st_size > LIMIT_PICTURE_BYTES) {
        r = ERR_LIMIT;
        goto out_close;
    }
    size_t len = (size_t)sb.st_size;
    buf = malloc(len ? len : 1);
    if (!buf) {
        r = -ENOMEM;
        goto out_close;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* shrank while we read: decode what is there, or fail there */
        got += (size_t)n;
    }
    *ret_data = buf;
    *ret_len = got;
    buf = NULL;
    r = 0;
out_close:
    free(buf);
    close(fd);
    return r;
}

int library_cover_open(const char *data_dir, const LibraryCover *cover, int edge,
                       MediaImageFormat format, int *ret_fd, uint64_t *ret_len)
{
    if (edge < 1 || edge > LIMIT_COVER_SIZE_MAX)
        return -EINVAL;
    const char *ext = media_image_extension(format);
    char dir[PATH_MAX];
    char name[128];
    char prefix[32];
    int n1 = snprintf(dir, sizeof(dir), "%s/cache/covers/%.2s/%s", data_dir, cover->id, cover->id);
    int n2 = snprintf(name, sizeof(name), "%d-%" PRIx64 ".%" PRIx64 ".%s", edge,
                      (uint64_t)cover->size, (uint64_t)cover->mtime, ext);
    snprintf(prefix, sizeof(prefix), "%d-", edge);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(dir) || (size_t)n2 >= sizeof(name))
        return -ENAMETOOLONG;
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
        return -ENAMETOOLONG;
    int r = cover_open_hit(path, ret_fd, ret_len);
    if (r != -ENOENT)
        return r;

    void *src = NULL;
    size_t src_len = 0;
    if (cover->embedded)
        r = media_picture_extract(cover->path, &src, &src_len);
    else
        r = cover_read_file(cover->path, &src, &src_len);
    if (r < 0)
        return r;
    void *img = NULL;
    size_t img_len = 0;
    r = media_image_thumbnail(src, src_len, edge, format, &img, &img_len);
    free(src);
    if (r < 0)
        return r;
    r = cover_store(dir, name, img, img_len, ret_fd, ret_len);
    media_image_free(img);
    if (r == 0)
        cover_prune(dir, prefix, ext, name);
    return r;
}

int library_cover_placeholder_open(const char *data_dir, int edge, MediaImageFormat format,
                                   int *ret_fd, uint64_t *ret_len)
{
    if (edge < 1 || edge > LIMIT_COVER_SIZE_MAX)
        return -EINVAL;
    char dir[PATH_MAX];
    char name[64];
    int n1 = snprintf(dir, sizeof(dir), "%s/cache/covers/placeholder", data_dir);
    snprintf(name, sizeof(name), "%d.%s", edge, media_image_extension(format));
    if (n1 < 0 || (size_t)n1 >= sizeof(dir))
        return -ENAMETOOLONG;
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
        return -ENAMETOOLONG;
    int r = cover_open_hit(path, ret_fd, ret_len);
    if (r != -ENOENT)
        return r;
    void *img = NULL;
    size_t img_len = 0;
    r = media_image_placeholder(edge, format, &img, &img_len);
    if (r < 0)
        return r;
    r = cover_store(dir, name, img, img_len, ret_fd, ret_len);
    media_image_free(img);
    return r;
}
