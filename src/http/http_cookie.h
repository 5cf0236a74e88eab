/*
 * http_cookie.h - reading one cookie from a Cookie request header (RFC 6265, leniently).
 *
 * The header is "name=value; name2=value2"; values may be wrapped in double quotes. Headers
 * longer than LIMIT_AUTH_COOKIE_BYTES are refused whole. Nothing is allocated: the value
 * points into the header. Pure function; any thread.
 */
#ifndef SWAZ_HTTP_COOKIE_H
#define SWAZ_HTTP_COOKIE_H

#include <stddef.h>

/* Finds the first cookie called `name` in `header` and writes a pointer to its value (not
 * NUL-terminated; borrowed from `header`) and its length. Returns 0, -ENOENT (absent, or
 * header NULL), ERR_LIMIT (header too long) or ERR_PARSE (a malformed pair before it). */
int http_cookie_get(const char *header, const char *name, const char **ret_value, size_t *ret_len);

#endif
