/*
 * http_gzip.c - whole-buffer gzip with libdeflate; a small stack of spare compressors (each
 * holds its hash tables, a few hundred KiB) so a request does not allocate one.
 */
#include "http/http_gzip.h"

#include "core/limits.h"
#include "http/http_static.h"

#include <errno.h>
#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct HttpGzip {
    int level;     /* immutable */
    unsigned keep; /* immutable: at most this many spares */
    pthread_mutex_t mu;
    struct libdeflate_compressor *spare[LIMIT_THREADS_MAX]; /* guarded by mu */
    unsigned n_spare;                                       /* guarded by mu */
};

int http_gzip_new(int level, unsigned keep, HttpGzip **ret_gzip)
{
    if (level < 1 || level > 12)
        return -EINVAL;
    HttpGzip *g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    if (pthread_mutex_init(&g->mu, NULL) != 0) {
        free(g);
        return -ENOMEM;
    }
    g->level = level;
    g->keep = keep < LIMIT_THREADS_MAX ? keep : LIMIT_THREADS_MAX;
    *ret_gzip = g;
    return 0;
}

void http_gzip_free(HttpGzip *gzip)
{
    if (!gzip)
        return;
    for (unsigned i = 0; i < gzip->n_spare; i++)
        libdeflate_free_compressor(gzip->spare[i]);
    pthread_mutex_destroy(&gzip->mu);
    free(gzip);
}

int http_gzip_compress(HttpGzip *gzip, const void *data, size_t len, void **ret_data,
                       size_t *ret_len)
{
    struct libdeflate_compressor *z = NULL;
    pthread_mutex_lock(&gzip->mu);
    if (gzip->n_spare)
        z = gzip->spare[--gzip->n_spare];
    pthread_mutex_unlock(&gzip->mu);
    if (!z && !(z = libdeflate_alloc_compressor(gzip->level)))
        return -ENOMEM;
    int r = -ENOMEM;
    size_t cap = libdeflate_gzip_compress_bound(z, len);
    void *out = malloc(cap);
    if (out) {
        /* Asking for less room than the input makes libdeflate give up when it is not
         * smaller, instead of finishing the work. */
        size_t n = libdeflate_gzip_compress(z, data, len, out, len > 1 ? len - 1 : 0);
        if (n == 0) {
            free(out);
            r = -E2BIG;
        } else {
            *ret_data = out;
            *ret_len = n;
            r = 0;
        }
    }
    pthread_mutex_lock(&gzip->mu);
    if (gzip->n_spare < gzip->keep) {
        gzip->spare[gzip->n_spare++] = z;
        z = NULL;
    }
    pthread_mutex_unlock(&gzip->mu);
    if (z)
        libdeflate_free_compressor(z);
    return r;
}

int http_gzip_inflate(const void *gz, size_t len, size_t max, void **ret_data, size_t *ret_len)
{
    if (!gz || len < 18) /* a 10-byte head and an 8-byte trailer at least */
        return -EINVAL;
    const unsigned char *t = (const unsigned char *)gz + len - 4; /* ISIZE, little-endian */
    size_t n = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
    if (n > max)
        return -E2BIG;
    struct libdeflate_decompressor *z = libdeflate_alloc_decompressor();
    void *out = malloc(n ? n : 1);
    int r = -ENOMEM;
    size_t got = 0;
    if (z && out) {
        r = libdeflate_gzip_decompress(z, gz, len, out, n, &got) == LIBDEFLATE_SUCCESS && got == n
                ? 0
                : -EINVAL;
    }
    if (z)
        libdeflate_free_decompressor(z);
    if (r < 0) {
        free(out);
        return r;
    }
    *ret_data = out;
    *ret_len = n;
    return 0;
}

bool http_gzip_accepted(const HttpRequest *req)
{
    return http_static_accepts_gzip(http_request_header(req, "Accept-Encoding"));
}

bool http_gzip_compressible(const char *content_type)
{
    static const char *const types[] = {"application/json", "application/xml",
                                        "application/javascript", "image/svg+xml", "text/"};
    if (!content_type)
        return false;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        size_t n = strlen(types[i]);
        if (strncasecmp(content_type, types[i], n) == 0 &&
            (types[i][n - 1] == '/' || content_type[n] == '\0' || content_type[n] == ';' ||
             content_type[n] == ' '))
            return true;
    }
    return false;
}
