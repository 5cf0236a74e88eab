/*
 * library_cursor.h - opaque keyset cursors for every library list.
 *
 * A cursor names the last row of a page by the parts of its sort key, the last part being
 * the row's id: "(sort_name, id)", "(year, sort_name, id)", ... It is base64url (no padding)
 * of the parts joined by 0x1f, so a client cannot build SQL from it and the server never
 * pastes it anywhere: each part is bound as a parameter. Pure functions; any thread.
 */
#ifndef SWAZ_LIBRARY_CURSOR_H
#define SWAZ_LIBRARY_CURSOR_H

#include "core/arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIBRARY_CURSOR_PARTS_MAX 4

/* Encodes `n` (1..LIBRARY_CURSOR_PARTS_MAX) parts, the last being an id, as a cursor.
 * Parts must not contain 0x1f or NUL. Returns an Arena-owned string or NULL (no memory,
 * bad n). */
const char *library_cursor_pack(Arena *arena, const char *const *parts, size_t n);

/* Decodes a cursor into exactly `n` parts written to ret_parts[0..n-1]; the last part must
 * be a well-formed id (library_cursor_id_valid()). Returns 0, ERR_PARSE (malformed, wrong
 * number of parts, longer than LIMIT_CURSOR_BYTES) or -ENOMEM. Parts are Arena-owned. */
int library_cursor_unpack(Arena *arena, const char *cursor, size_t n, const char **ret_parts);

/* The two-part case (sort_key, id): library_cursor_pack() of {sort_key, id}. Returns an
 * Arena-owned string or NULL. */
const char *library_cursor_encode(Arena *arena, const char *sort_key, const char *id);

/* Decodes a two-part cursor. Returns 0, ERR_PARSE or -ENOMEM; strings Arena-owned. */
int library_cursor_decode(Arena *arena, const char *cursor, const char **ret_sort_key,
                          const char **ret_id);

/* Parses a decimal cursor part. Returns 0 or ERR_PARSE. */
int library_cursor_int(const char *part, int64_t *ret_value);

/* Returns an Arena-owned decimal string of `v`, or NULL. */
const char *library_cursor_fmt_int(Arena *arena, int64_t v);

/* True if `id` could have been made by the scanner: 1..LIMIT_ID_BYTES lowercase hex digits.
 * Anything else cannot name a row, so lookups answer "not found" without a query. */
bool library_cursor_id_valid(const char *id);

#endif
