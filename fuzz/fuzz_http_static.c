/*
 * fuzz_http_static.c - libFuzzer target for http_static_path_ok and http_static_type.
 *
 * The input is a request path below the web player's root. Whenever the check accepts it,
 * an independent walk over its segments must find no way out of the root: no absolute path,
 * no empty, "." or ".." segment, no hidden name, no backslash or control byte. The content
 * type lookup must answer every name; the same bytes also go through the Accept-Encoding
 * parser.
 */
#include "core/limits.h"
#include "http/http_static.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = malloc(size + 1);
    if (!path)
        return 0;
    memcpy(path, data, size);
    path[size] = '\0';
    if (!http_static_type(path))
        abort();
    (void)http_static_accepts_gzip(path); /* the same bytes as an Accept-Encoding value */
    if (http_static_path_ok(path)) {
        size_t len = strlen(path);
        if (len == 0 || len > LIMIT_STATIC_PATH_BYTES || path[0] == '/')
            abort();
        const char *seg = path;
        for (;;) {
            const char *end = strchr(seg, '/');
            size_t n = end ? (size_t)(end - seg) : strlen(seg);
            if (n == 0 || seg[0] == '.')
                abort(); /* empty, ".", "..", hidden */
            for (size_t i = 0; i < n; i++)
                if ((unsigned char)seg[i] < 0x20 || seg[i] == 0x7f || seg[i] == '\\')
                    abort();
            if (!end)
                break;
            seg = end + 1;
        }
    }
    free(path);
    return 0;
}
