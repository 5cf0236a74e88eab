/*
 * http_query.c - query strings and urlencoded bodies: split on '&', then '=', then
 * percent-decode each half into the caller's arena. Every length is checked before it is
 * allocated; nothing here grows without a named limit.
 */
#include "http/http_query.h"

#include "core/err.h"
#include "core/str.h"

#include <errno.h>
#include <string.h>

/* Decodes into a fresh arena string. 0, ERR_PARSE, ERR_LIMIT or -ENOMEM. */
static int query_decode(Arena *arena, const char *s, size_t len, int plus_is_space, size_t max,
                        char **ret_out)
{
    /* The decoded form is never longer than the input: measure first, then allocate. */
    size_t out_len = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\0')
            return ERR_PARSE;
        if (s[i] == '%') {
            if (len - i < 3 || str_hex_digit(s[i + 1]) < 0 || str_hex_digit(s[i + 2]) < 0)
                return ERR_PARSE;
            if (s[i + 1] == '0' && s[i + 2] == '0')
                return ERR_PARSE;
            i += 2;
        }
        out_len++;
    }
    if (out_len > max)
        return ERR_LIMIT;
    char *out = arena_alloc(arena, out_len + 1);
    if (!out)
        return -ENOMEM;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            c = (char)(str_hex_digit(s[i + 1]) * 16 + str_hex_digit(s[i + 2]));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        out[o++] = c;
    }
    out[o] = '\0';
    *ret_out = out;
    return 0;
}

char *http_query_decode(Arena *arena, const char *s, size_t len, int plus_is_space, size_t max)
{
    char *out = NULL;
    if (query_decode(arena, s, len, plus_is_space, max, &out) < 0)
        return NULL;
    return out;
}

int http_params_add(HttpParams *params, const char *key, const char *value)
{
    if (params->count >= LIMIT_HTTP_QUERY_PARAMS)
        return ERR_LIMIT;
    params->items[params->count].key = key;
    params->items[params->count].value = value;
    params->count++;
    return 0;
}

const char *http_params_get(const HttpParams *params, const char *key)
{
    for (size_t i = 0; i < params->count; i++) {
        if (strcmp(params->items[i].key, key) == 0)
            return params->items[i].value;
    }
    return NULL;
}

int http_query_parse(Arena *arena, const char *s, size_t len, HttpParams *ret_params)
{
    ret_params->count = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *pair = s + pos;
        const char *amp = memchr(pair, '&', len - pos);
        size_t pair_len = amp ? (size_t)(amp - pair) : len - pos;
        pos += pair_len + 1; /* past the '&' (or past the end: the loop stops) */
        if (pair_len == 0)
            continue;
        if (ret_params->count >= LIMIT_HTTP_QUERY_PARAMS)
            return ERR_LIMIT;
        const char *eq = memchr(pair, '=', pair_len);
        size_t key_len = eq ? (size_t)(eq - pair) : pair_len;
        char *key = NULL;
        char *value = NULL;
        int rc = query_decode(arena, pair, key_len, 1, LIMIT_HTTP_PARAM_BYTES, &key);
        if (rc < 0)
            return rc;
        if (eq)
            rc = query_decode(arena, eq + 1, pair_len - key_len - 1, 1, LIMIT_HTTP_PARAM_BYTES,
                              &value);
        else
            rc = query_decode(arena, "", 0, 1, LIMIT_HTTP_PARAM_BYTES, &value);
        if (rc < 0)
            return rc;
        rc = http_params_add(ret_params, key, value);
        if (rc < 0)
            return rc;
    }
    return 0;
}
