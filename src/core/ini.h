/*
 * ini.h - a strict INI parser for swaz.conf.
 *
 * Accepts `[section]`, `key = value` and comments starting with `#` or `;`. Whitespace around
 * keys and values is trimmed; a value may be wrapped in double quotes. Any other line is an
 * error with its line number. Owns nothing; any thread.
 */
#ifndef SWAZ_CORE_INI_H
#define SWAZ_CORE_INI_H

#include <stddef.h>

/* Called once per key; `section` is "" before the first header. Returns 0 to go on, or a
 * negative error that stops the parse and is returned by ini_parse(). Strings are borrowed
 * for the duration of the call. */
typedef int (*IniCallback)(void *ctx, const char *section, const char *key, const char *value,
                           int line);

/* Parses `len` bytes of `text`. Returns 0, ERR_PARSE or ERR_LIMIT (a line over
 * LIMIT_CONFIG_LINE_BYTES) with *ret_line set to the offending line, or the callback's
 * error. */
int ini_parse(const char *text, size_t len, IniCallback cb, void *ctx, int *ret_line);

#endif
