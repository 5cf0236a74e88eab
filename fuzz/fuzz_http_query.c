/*
 * fuzz_http_query.c - libFuzzer target for http_query_parse and http_query_decode.
 *
 * Parses the input as a query string in a small arena, then checks the invariants: bounded
 * count, bounded decoded lengths, no embedded NUL in what was accepted.
 */
#include "core/arena.h"
#include "core/err.h"
#include "core/limits.h"
#include "http/http_query.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Arena *arena = arena_new(1 << 20);
    HttpParams *params = malloc(sizeof(*params));
    if (!arena || !params)
        goto out;
    const char *s = (const char *)data;
    int rc = http_query_parse(arena, s, size, params);
    if (rc != 0 && rc != ERR_PARSE && rc != ERR_LIMIT && rc != -ENOMEM)
        abort();
    if (params->count > LIMIT_HTTP_QUERY_PARAMS)
        abort();
    for (size_t i = 0; i < params->count; i++) {
        if (strlen(params->items[i].key) > LIMIT_HTTP_PARAM_BYTES ||
            strlen(params->items[i].value) > LIMIT_HTTP_PARAM_BYTES)
            abort();
        if (rc == 0 && http_params_get(params, params->items[i].key) == NULL)
            abort();
    }
    /* decoding never grows the string and never yields an embedded NUL */
    char *d = http_query_decode(arena, s, size, (int)(size & 1), size);
    if (d && (strlen(d) > size || memchr(s, '\0', size)))
        abort();
out:
    free(params);
    arena_free(arena);
    return 0;
}
