/*
 * http_static.c - files beneath one root directory, by request path.
 *
 * The path is validated lexically first, then opened relative to a descriptor of the root
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): the kernel refuses any resolution
 * (through ".." or a symbolic link) that would leave the root. Kernels without openat2 fall
 * back to openat(O_NOFOLLOW), which the lexical check already keeps beneath the root.
 */
#include "http/http_static.h"

#include "core/limits.h"
#include "http/http_file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct StaticType {
    const char *ext;
    const char *type;
} StaticType;

static const StaticType static_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"map", "application/json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"gif", "image/gif"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"txt", "text/plain; charset=utf-8"},
    {"wasm", "application/wasm"},
};

bool http_static_path_ok(const char *rel)
{
    size_t len = strnlen(rel, LIMIT_STATIC_PATH_BYTES + 1);
    if (len == 0 || len > LIMIT_STATIC_PATH_BYTES)
        return false;
    const char *seg = rel;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = (unsigned char)rel[i];
        if (c == '/' || c == '\0') {
            if (&rel[i] == seg || seg[0] == '.')
                return false; /* empty, ".", "..", or a hidden file */
            seg = &rel[i + 1];
            continue;
        }
        if (c < 0x20 || c == 0x7f || c == '\\')
            return false;
    }
    return true;
}

const char *http_static_type(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash : name, '.');
    if (dot)
        for (size_t i = 0; i < sizeof(static_types) / sizeof(static_types[0]); i++)
            if (strcasecmp(dot + 1, static_types[i].ext) == 0)
                return static_types[i].type;
    return "application/octet-stream";
}

/* Opens `rel` read-only beneath the directory descriptor `dir`. Returns an fd or -errno. */
static int static_open_beneath(int dir, const char *rel)
{
    struct open_how how = {
        .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    long fd = syscall(SYS_openat2, dir, rel, &how, sizeof(how));
    if (fd < 0 && errno == ENOSYS)
        fd = openat(dir, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
    return fd < 0 ? -errno : (int)fd;
}

int http_static_respond(HttpRequest *req, HttpResponse *res, const char *root, const char *rel,
                        const char *cache_control)
{
    if (!http_static_path_ok(rel))
        return -ENOENT;
    int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return -ENOENT;
    int fd = static_open_beneath(dir, rel);
    close(dir);
    if (fd < 0)
        return fd == -ENOMEM ? -ENOMEM : -ENOENT; /* EXDEV (escape), ELOOP, ENOTDIR, ... */
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -ENOENT;
    }
    return http_file_respond(req, res, fd, http_static_type(rel), cache_control);
}
