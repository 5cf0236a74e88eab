/*
 * str.h - small string helpers: strict number parsing, prefix tests, hex.
 *
 * Strict means the whole string must be the number, with no sign where none is allowed and
 * no overflow; "12abc", "", " 1" and "99999999999999999999" are all -EINVAL or -ERANGE.
 * Pure functions; any thread.
 */
#ifndef SWAZ_CORE_STR_H
#define SWAZ_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses a decimal integer in [min, max]. Returns 0, -EINVAL (not a number) or -ERANGE. */
int str_to_int64(const char *s, int64_t min, int64_t max, int64_t *ret_value);

/* Parses an unsigned decimal with digits only (no sign, no spaces). 0, -EINVAL or -ERANGE. */
int str_to_uint64(const char *s, uint64_t *ret_value);

/* Parses "true/false/yes/no/on/off/1/0" (any case). Returns 0 or -EINVAL. */
int str_to_bool(const char *s, bool *ret_value);

/* True if `s` starts with `prefix`. */
bool str_has_prefix(const char *s, const char *prefix);

/* Writes `len` bytes of `in` as lowercase hex into `out` (2*len+1 bytes, NUL-terminated). */
void str_hex(const unsigned char *in, size_t len, char *out);

/* The value 0-15 of the hex digit `c` (either case), or -1 when `c` is not one. */
int str_hex_digit(char c);

/* True if `s` (NULL: false) is `min_len`..`max_len` characters of lowercase hex [0-9a-f]. */
bool str_is_hex_lower(const char *s, size_t min_len, size_t max_len);

/* True if `s` (NULL: false) is `min_len`..`max_len` characters of base64url [A-Za-z0-9_-]. */
bool str_is_base64url(const char *s, size_t min_len, size_t max_len);

/* Copies at most size-1 bytes of `src` into `dst` and terminates it. Returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t size);

#endif
