/* auth_keys.c - secret key files: created once with O_EXCL, checked strictly on every start. */
#include "auth/auth_keys.h"

#include "core/file.h"
#include "core/limits.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void auth_keys_err(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void auth_keys_err(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/* Creates `path` with 32 fresh random bytes, mode 0600. Returns 0, -EEXIST or -errno. */
static int auth_keys_create(const char *path, unsigned char key[AUTH_KEY_BYTES])
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -errno;
    randombytes_buf(key, AUTH_KEY_BYTES);
    int r = file_write_all(fd, key, AUTH_KEY_BYTES);
    if (r < 0)
        goto out_close;
    if (fsync(fd) < 0)
        r = -errno;
out_close:
    close(fd);
    if (r < 0) {
        unlink(path);
        sodium_memzero(key, AUTH_KEY_BYTES);
    }
    return r;
}

/* Reads one key file, creating it when missing. */
static int auth_keys_file(const char *dir, const char *name, unsigned char key[AUTH_KEY_BYTES],
                          char *err, size_t err_len)
{
    char path[LIMIT_PATH_BYTES];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
        auth_keys_err(err, err_len, "%s/%s: path too long", dir, name);
        return -ENAMETOOLONG;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) {
        int r = auth_keys_create(path, key);
        if (r == 0)
            return 0;
        if (r != -EEXIST) {
            auth_keys_err(err, err_len, "cannot create %s: %s", path, strerror(-r));
            return r;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW); /* another process made it */
    }
    if (fd < 0) {
        int r = -errno;
        auth_keys_err(err, err_len, "cannot read %s: %s", path, strerror(errno));
        return r;
    }
    int r = 0;
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        auth_keys_err(err, err_len, "%s: not a regular file", path);
        r = -EINVAL;
        goto out_close;
    }
    if (sb.st_mode & 077) {
        auth_keys_err(err, err_len, "%s: mode %03o lets group or others in; it must be 0600", path,
                      (unsigned)(sb.st_mode & 0777));
        r = -EACCES;
        goto out_close;
    }
    if (sb.st_size != AUTH_KEY_BYTES) {
        auth_keys_err(err, err_len, "%s: %lld bytes, expected exactly %d", path,
                      (long long)sb.st_size, AUTH_KEY_BYTES);
        r = -EINVAL;
        goto out_close;
    }
    size_t got = 0;
    while (got < AUTH_KEY_BYTES) {
        ssize_t n = read(fd, key + got, AUTH_KEY_BYTES - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            auth_keys_err(err, err_len, "%s: short read", path);
            r = -EIO;
            goto out_close;
        }
        got += (size_t)n;
    }
out_close:
    close(fd);
    if (r < 0)
        sodium_memzero(key, AUTH_KEY_BYTES);
    return r;
}

int auth_keys_load(const char *data_dir, AuthKeys *ret_keys, char *err, size_t err_len)
{
    char dir[LIMIT_PATH_BYTES];
    if ((size_t)snprintf(dir, sizeof(dir), "%s/secrets", data_dir) >= sizeof(dir)) {
        auth_keys_err(err, err_len, "%s/secrets: path too long", data_dir);
        return -ENAMETOOLONG;
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        int r = -errno;
        auth_keys_err(err, err_len, "cannot create %s: %s", dir, strerror(errno));
        return r;
    }
    struct stat sb;
    if (lstat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        auth_keys_err(err, err_len, "%s: not a folder", dir);
        return -EINVAL;
    }
    if (sb.st_mode & 077) {
        auth_keys_err(err, err_len, "%s: mode %03o lets group or others in; it must be 0700", dir,
                      (unsigned)(sb.st_mode & 0777));
        return -EACCES;
    }
    AuthKeys keys;
    int r = auth_keys_file(dir, "jwt.key", keys.jwt_key, err, err_len);
    if (r < 0)
        goto out_wipe;
    r = auth_keys_file(dir, "app-passwords.key", keys.app_password_key, err, err_len);
    if (r < 0)
        goto out_wipe;
    memcpy(ret_keys, &keys, sizeof(keys));
out_wipe:
    sodium_memzero(&keys, sizeof(keys));
    return r;
}

void auth_keys_wipe(AuthKeys *keys)
{
    sodium_memzero(keys, sizeof(*keys));
}
