/*
 * http_query.h - query strings and urlencoded form bodies parsed into bounded key/value lists.
 *
 * Keys may repeat (Subsonic sends `id=1&id=2`); order is kept. At most
 * LIMIT_HTTP_QUERY_PARAMS pairs, each key and value at most LIMIT_HTTP_PARAM_BYTES once
 * decoded. Strings live in the caller's arena. Any thread.
 */
#ifndef SWAZ_HTTP_QUERY_H
#define SWAZ_HTTP_QUERY_H

#include "core/arena.h"
#include "core/limits.h"

#include <stddef.h>

typedef struct HttpParam {
    const char *key;
    const char *value;
} HttpParam;

typedef struct HttpParams {
    size_t count;
    HttpParam items[LIMIT_HTTP_QUERY_PARAMS];
} HttpParams;

/* Parses `len` bytes of `s` ("a=1&b=%C3%A9+x&c"): `+` is a space, %XX is decoded, a key
 * without `=` has the value "". Empty pairs ("a=1&&b=2") are skipped. Decoded strings
 * containing NUL are refused. Returns 0, ERR_PARSE (bad %-escape, NUL byte), ERR_LIMIT
 * (too many pairs, or a key or value too long) or -ENOMEM (the arena's budget is spent).
 * ret_params->count is reset first; on error *ret_params is left partly filled.
 * Strings are Arena-owned. */
int http_query_parse(Arena *arena, const char *s, size_t len, HttpParams *ret_params);

/* Appends one pair, copying nothing (strings must outlive `params`). 0 or ERR_LIMIT. */
int http_params_add(HttpParams *params, const char *key, const char *value);

/* Returns the first value of `key` or NULL. Borrowed from `params`. */
const char *http_params_get(const HttpParams *params, const char *key);

/* Percent-decodes `len` bytes of `s` (with `+` as space when `plus_is_space`) into an
 * Arena-owned string. Returns it or NULL (bad escape, NUL byte, over `max` bytes, no memory). */
char *http_query_decode(Arena *arena, const char *s, size_t len, int plus_is_space, size_t max);

#endif
