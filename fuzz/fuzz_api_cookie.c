/*
 * fuzz_api_cookie.c - libFuzzer target for the Cookie header parser the API guard uses
 * (http_cookie_get). The first byte picks which cookie name is looked up; the rest is the
 * header. A found value must lie inside the header and hold no ';'.
 */
#include "core/err.h"
#include "http/http_cookie.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"swaz_session", "swaz_refresh", "swaz_csrf", "a"};
    if (size == 0)
        return 0;
    const char *name = names[data[0] % 4];
    char *header = malloc(size);
    if (!header)
        return 0;
    memcpy(header, data + 1, size - 1);
    header[size - 1] = '\0';
    const char *v = NULL;
    size_t n = 0;
    int r = http_cookie_get(header, name, &v, &n);
    if (r == 0) {
        size_t hl = strlen(header);
        if (v < header || v + n > header + hl || memchr(v, ';', n))
            abort();
    } else if (r != -ENOENT && r != ERR_LIMIT && r != ERR_PARSE) {
        abort();
    }
    free(header);
    return 0;
}
