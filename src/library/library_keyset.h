/*
 * library_keyset.h - the mechanics every keyset-paged list shares: decode the `after` cursor
 * into typed parts, bind them, step `limit` + 1 rows into caller-owned items through a row
 * reader, and encode the next cursor from the last row's sort key. The list keeps its SQL,
 * its own WHERE parameters and its row reader. Owns nothing; strings are Arena-owned. Any
 * thread, each with its own DbConn.
 */
#ifndef SWAZ_LIBRARY_KEYSET_H
#define SWAZ_LIBRARY_KEYSET_H

#include "core/arena.h"
#include "db/db.h"
#include "library/library_cursor.h"

#include <stddef.h>
#include <stdint.h>

/* One list order. The cursor has `parts` parts (the last is the row id); bit i of `numeric`
 * marks part i as a decimal integer; a non-NULL `tag` is a constant first part that is
 * checked by the caller, never bound, and written first into every next cursor. */
typedef struct LibraryKeyset {
    const char *first; /* SQL of the first page, ending in "LIMIT ?" (NULL: built by the list) */
    const char *after; /* the same with the keyset condition, one "?" per bound part */
    size_t parts;      /* 1..LIBRARY_CURSOR_PARTS_MAX, the tag included */
    unsigned numeric;
    const char *tag;
} LibraryKeyset;

/* A row's sort key, or the decoded cursor: part i is text[i], or num[i] when numeric. */
typedef struct LibraryKeysetKey {
    const char *text[LIBRARY_CURSOR_PARTS_MAX];
    int64_t num[LIBRARY_CURSOR_PARTS_MAX];
} LibraryKeysetKey;

/* Reads the current row of `st` into `item` and writes its sort-key parts (the id last, the
 * tag excepted) to *ret_key. Returns 0 or a negative errno. */
typedef int (*LibraryKeysetRead)(DbStmt *st, Arena *arena, void *item, const void *ctx,
                                 LibraryKeysetKey *ret_key);

/* Decodes `cursor` into ks->parts parts, integers parsed. Returns 0, ERR_PARSE or -ENOMEM;
 * strings Arena-owned. */
int library_keyset_unpack(Arena *arena, const LibraryKeyset *ks, const char *cursor,
                          LibraryKeysetKey *ret_after);

/* Binds the parts of `after` (the tag excepted) from parameter *idx on and advances *idx.
 * Returns 0 or the db_bind_*() error. */
int library_keyset_bind(DbStmt *st, const LibraryKeyset *ks, const LibraryKeysetKey *after,
                        int *idx);

/* Encodes `key` as a cursor in *ret_cursor (Arena-owned). Returns 0 or -ENOMEM. */
int library_keyset_encode(Arena *arena, const LibraryKeyset *ks, const LibraryKeysetKey *key,
                          const char **ret_cursor);

/* Returns `sql`, which ends in "LIMIT ?", with that "?" replaced by `rows` (a count the
 * caller validated, never client text), or NULL (no memory, or no such ending). A list's page
 * size is written into its SQL instead of being bound: PostgreSQL costs a LIMIT parameter as
 * a tenth of the table, so the generic plan of a statement prepared once looked expensive and
 * every execution was planned again (0.15-0.2 ms of 0.5 ms for a page of songs at a million
 * songs); with the number, the generic plan is kept. Lists use a few page sizes, so the
 * statement caches of both backends still hold every text. Arena-owned. */
const char *library_keyset_limit_sql(Arena *arena, const char *sql, int64_t rows);

/* Steps the bound statement `st` (which asks for limit + 1 rows) and reads up to `limit` rows
 * into `items` (item_size bytes each) with `read`. Writes the row count, the next cursor
 * (NULL on the last page) and, when ret_last is not NULL, the last row's key. Returns 0 or a
 * negative errno; `st` stays the caller's. */
int library_keyset_read(DbStmt *st, Arena *arena, const LibraryKeyset *ks, int limit, void *items,
                        size_t item_size, LibraryKeysetRead read, const void *ctx,
                        size_t *ret_count, const char **ret_next, LibraryKeysetKey *ret_last);

#endif
