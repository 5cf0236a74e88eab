/*
 * file.c - whole-buffer writes, mkdir -p and store-by-rename.
 */
#include "core/file.h"

#include "core/err.h"
#include "core/str.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h> /* PATH_MAX: <limits.h> is core/limits.h from this folder */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int file_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        if (w == 0)
            return -ENOSPC;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int file_mkdirs(const char *path)
{
    char tmp[PATH_MAX];
    if (str_copy(tmp, path, sizeof(tmp)) >= sizeof(tmp))
        return -ENAMETOOLONG;
    for (char *p = tmp + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return -errno;
        *p = saved;
        if (saved == '\0')
            return 0;
    }
}

int file_store(const char *dir, const char *name, const void *data, size_t len, int *ret_fd)
{
    char final[PATH_MAX];
    char tmp[PATH_MAX];
    int n1 = snprintf(final, sizeof(final), "%s/%s", dir, name);
    int n2 = snprintf(tmp, sizeof(tmp), "%s/%s.tmp-XXXXXX", dir, name);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(final) || (size_t)n2 >= sizeof(tmp))
        return -ENAMETOOLONG;
    int r = file_mkdirs(dir);
    if (r < 0)
        return r;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if ((r = file_write_all(fd, data, len)) < 0)
        goto out_unlink;
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0 || rename(tmp, final) != 0) {
        r = -errno;
        goto out_unlink;
    }
    if (!ret_fd) {
        close(fd);
        return 0;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        r = -errno;
        close(fd);
        return r;
    }
    *ret_fd = fd;
    return 0;
out_unlink:
    unlink(tmp);
    close(fd);
    return r;
}

int file_read_all(int fd, size_t max, Arena *arena, void **ret_data, size_t *ret_len)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return -errno;
    if (sb.st_size < 0 || (uint64_t)sb.st_size > max)
        return ERR_LIMIT;
    size_t len = (size_t)sb.st_size;
    char *buf = arena_alloc(arena, len + 1);
    if (!buf)
        return -ENOMEM;
    size_t got = 0;
    while (got < len) {
        ssize_t k = pread(fd, buf + got, len - got, (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k < 0 ? -errno : -EIO;
        got += (size_t)k;
    }
    buf[len] = '\0';
    *ret_data = buf;
    *ret_len = len;
    return 0;
}
