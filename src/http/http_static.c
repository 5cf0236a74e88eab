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
#include <stdio.h>
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

/* Case-insensitive equality of s[0..n) and the NUL-terminated `word`. */
static bool static_token_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* True when the parameters `p[0..n)` of one coding (";q=0.5") set q to zero. */
static bool static_q_zero(const char *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if ((p[i] == 'q' || p[i] == 'Q') && p[i + 1] == '=' &&
            (i == 0 || p[i - 1] == ';' || p[i - 1] == ' ' || p[i - 1] == '\t')) {
            size_t j = i + 2;
            if (j >= n || p[j] != '0')
                return false;
            for (j++; j < n && p[j] != ';' && p[j] != ' ' && p[j] != '\t'; j++)
                if (p[j] != '.' && p[j] != '0')
                    return false;
            return true;
        }
    }
    return false;
}

bool http_static_accepts_gzip(const char *header)
{
    int gzip = -1, star = -1; /* -1: not named; 0: refused; 1: accepted */
    for (const char *p = header; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *item = p;
        while (*p && *p != ',')
            p++;
        size_t len = (size_t)(p - item);
        size_t tok = 0;
        while (tok < len && item[tok] != ';' && item[tok] != ' ' && item[tok] != '\t')
            tok++;
        int ok = static_q_zero(item + tok, len - tok) ? 0 : 1;
        if (static_token_is(item, tok, "gzip") || static_token_is(item, tok, "x-gzip"))
            gzip = ok;
        else if (static_token_is(item, tok, "*"))
            star = ok;
    }
    return gzip >= 0 ? gzip == 1 : star == 1;
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
    if (fd < 0) {
        close(dir);
        return fd == -ENOMEM ? -ENOMEM : -ENOENT; /* EXDEV (escape), ELOOP, ENOTDIR, ... */
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        close(dir);
        return -ENOENT;
    }
    char gz_name[LIMIT_STATIC_PATH_BYTES + sizeof(".gz")];
    snprintf(gz_name, sizeof(gz_name), "%s.gz", rel);
    int gz = static_open_beneath(dir, gz_name);
    close(dir);
    if (gz >= 0 && (fstat(gz, &st) < 0 || !S_ISREG(st.st_mode))) {
        close(gz);
        gz = -1;
    }
    if (gz >= 0) {
        int rc = http_response_header(res, "Vary", "Accept-Encoding");
        if (rc == 0 && http_static_accepts_gzip(http_request_header(req, "Accept-Encoding"))) {
            close(fd);
            fd = gz;
            gz = -1;
            rc = http_response_header(res, "Content-Encoding", "gzip");
        }
        if (gz >= 0)
            close(gz);
        if (rc < 0) {
            close(fd);
            return rc;
        }
    }
    return http_file_respond(req, res, fd, http_static_type(rel), cache_control);
}
