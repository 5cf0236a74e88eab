/*
 * subsonic_params.c - query and form parameters of a Subsonic request, merged. The form
 * body goes through http_query_parse() LIMIT_HTTP_QUERY_PARAMS pairs at a time, so the
 * one parser of the server decodes every byte.
 */
#include "api/subsonic/subsonic_params.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool subsonic_params_is_form(const char *content_type)
{
    static const char form[] = "application/x-www-form-urlencoded";
    if (!content_type)
        return false;
    while (*content_type == ' ')
        content_type++;
    size_t n = sizeof(form) - 1;
    return strncasecmp(content_type, form, n) == 0 &&
           (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

/* Appends `src` to `dst` (capacity LIMIT_SUBSONIC_PARAMS). */
static int subsonic_params_append(SubsonicParams *dst, const HttpParams *src)
{
    if (src->count > LIMIT_SUBSONIC_PARAMS - dst->count)
        return ERR_LIMIT;
    memcpy(dst->items + dst->count, src->items, src->count * sizeof(src->items[0]));
    dst->count += src->count;
    return 0;
}

int subsonic_params_parse(Arena *arena, const HttpParams *query, const char *content_type,
                          const char *body, size_t body_len, SubsonicParams *ret_params)
{
    SubsonicParams p = {arena_alloc(arena, LIMIT_SUBSONIC_PARAMS * sizeof(HttpParam)), 0};
    HttpParams *slice = arena_alloc(arena, sizeof(*slice));
    if (!p.items || !slice)
        return -ENOMEM;
    int r = subsonic_params_append(&p, query);
    if (r < 0)
        return r;
    if (body && body_len && subsonic_params_is_form(content_type)) {
        size_t pos = 0;
        while (pos < body_len) {
            /* a slice of at most LIMIT_HTTP_QUERY_PARAMS '&'-separated pairs */
            size_t end = pos, pairs = 0;
            while (end < body_len) {
                if (body[end] == '&' && ++pairs == LIMIT_HTTP_QUERY_PARAMS)
                    break;
                end++;
            }
            if ((r = http_query_parse(arena, body + pos, end - pos, slice)) < 0)
                return r;
            if ((r = subsonic_params_append(&p, slice)) < 0)
                return r;
            pos = end + 1;
        }
    }
    *ret_params = p;
    return 0;
}

const char *subsonic_params_get(const SubsonicParams *params, const char *key)
{
    for (size_t i = 0; i < params->count; i++) {
        if (strcmp(params->items[i].key, key) == 0)
            return params->items[i].value;
    }
    return NULL;
}

size_t subsonic_params_all(const SubsonicParams *params, const char *key, const char **values,
                           size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < params->count; i++) {
        if (strcmp(params->items[i].key, key) != 0)
            continue;
        if (n < max)
            values[n] = params->items[i].value;
        n++;
    }
    return n;
}

int subsonic_params_int(const SubsonicParams *params, const char *key, int64_t dflt, int64_t min,
                        int64_t max, int64_t *ret_value)
{
    const char *v = subsonic_params_get(params, key);
    if (!v) {
        *ret_value = dflt;
        return 0;
    }
    return str_to_int64(v, min, max, ret_value);
}

int subsonic_params_bool(const SubsonicParams *params, const char *key, bool dflt, bool *ret_value)
{
    const char *v = subsonic_params_get(params, key);
    if (!v) {
        *ret_value = dflt;
        return 0;
    }
    return str_to_bool(v, ret_value);
}
