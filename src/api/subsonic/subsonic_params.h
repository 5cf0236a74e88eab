/*
 * subsonic_params.h - the parameters of a Subsonic request: the query string and, for
 * POST with an application/x-www-form-urlencoded body (the formPost extension), the form
 * fields after it, in order, repeated keys kept (`id=1&id=2`).
 *
 * At most LIMIT_SUBSONIC_PARAMS pairs in all, each key and value at most
 * LIMIT_HTTP_PARAM_BYTES once decoded (the body is parsed by http_query_parse() in slices).
 * Numbers and booleans are parsed strictly. Pure functions over arena memory; any thread.
 */
#ifndef SWAZ_SUBSONIC_PARAMS_H
#define SWAZ_SUBSONIC_PARAMS_H

#include "core/arena.h"
#include "http/http_query.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct SubsonicParams {
    HttpParam *items; /* Arena-owned */
    size_t count;
} SubsonicParams;

/* Collects `query` (borrowed: its strings must outlive the result) and, when
 * `content_type` is application/x-www-form-urlencoded, the `body_len` bytes of `body`.
 * Returns 0, ERR_PARSE (bad %-escape or NUL byte), ERR_LIMIT (too many pairs, or a key or
 * value too long) or -ENOMEM. ret_params is written only on success; Arena-owned. */
int subsonic_params_parse(Arena *arena, const HttpParams *query, const char *content_type,
                          const char *body, size_t body_len, SubsonicParams *ret_params);

/* Returns the first value of `key` or NULL. Borrowed from `params`. */
const char *subsonic_params_get(const SubsonicParams *params, const char *key);

/* Writes up to `max` values of `key`, in order, to `values` and returns how many there
 * are in all (which may exceed `max`: the caller decides whether that is an error). */
size_t subsonic_params_all(const SubsonicParams *params, const char *key, const char **values,
                           size_t max);

/* Parses `key` as a decimal integer in [min, max] into *ret_value, or `dflt` when absent.
 * Returns 0, -EINVAL (not a number, or empty) or -ERANGE (outside [min, max]). */
int subsonic_params_int(const SubsonicParams *params, const char *key, int64_t dflt, int64_t min,
                        int64_t max, int64_t *ret_value);

/* Parses `key` as true/false (also 1/0, yes/no, on/off) into *ret_value, or `dflt` when
 * absent. Returns 0 or -EINVAL. */
int subsonic_params_bool(const SubsonicParams *params, const char *key, bool dflt, bool *ret_value);

#endif
