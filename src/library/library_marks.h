/*
 * library_marks.h - where the positions of a long list fall, so that a page at a deep
 * offset= starts near it instead of walking the whole index up to it. For each list (named
 * by the caller: its SQL and parameters), the sort key, as a keyset cursor, of every
 * `step`-th row: mark j is the key of row (j + 1) * step - 1 (from 0). A page at offset n
 * then walks fewer than `step` rows after mark n / step - 1 (library_browse.c). Marks are
 * learnt as seeks walk the list and belong to one stamp of the library generation
 * (db_generation_get(DB_GENERATION_LIBRARY)): a newer stamp empties the table, an older one
 * neither reads nor writes it. At most `max_lists` lists of LIMIT_OFFSET_MARKS_PER_LIST marks
 * (a new list takes the slot of the list used longest ago). Any thread: one mutex per call.
 */
#ifndef SWAZ_LIBRARY_LIBRARY_MARKS_H
#define SWAZ_LIBRARY_LIBRARY_MARKS_H

#include "core/arena.h"
#include "db/db.h"
#include "library/library_scope.h"

#include <stddef.h>
#include <stdint.h>

typedef struct LibraryMarks LibraryMarks;

/* Returns an empty table of at most `max_lists` lists (at least 1) whose marks fall every
 * `step` rows (at least 1), or NULL when out of memory. Caller frees with
 * library_marks_free(). */
LibraryMarks *library_marks_new(size_t max_lists, int64_t step);

/* Frees the table and its marks. NULL is a no-op. */
void library_marks_free(LibraryMarks *marks);

/* Makes `marks` (or NULL: none) the table every library_marks_of() of the pool's connections
 * returns. Call after db_open(), before the pool is shared; the pool does not own it. */
void library_marks_attach(Db *db, LibraryMarks *marks);

/* Returns the table attached to the pool of `conn`, or NULL, and writes the pool to *ret_db
 * when ret_db is not NULL. */
LibraryMarks *library_marks_of(DbConn *conn, Db **ret_db);

/* Returns the table attached to the pool of `conn` when a seek to `offset` should use it: a
 * table is attached, `offset` is at least one step, `conn` is outside a transaction (whose
 * snapshot may be older than the stamp) and the stamp of the library generation was read
 * (written to *ret_stamp); else NULL. */
LibraryMarks *library_marks_for(DbConn *conn, int64_t offset, int64_t *ret_stamp);

/* Returns the key under which the marks of list `name` as `scope` sees it are kept: `name`
 * and the ids of a restricted scope's libraries ("*" for every library). What a scope sees
 * changes only with the library, so the library generation's stamp covers every scope.
 * Arena-owned; NULL when out of memory. */
const char *library_marks_list(Arena *arena, const LibraryScope *scope, const char *name);

/* The rows between two marks. */
int64_t library_marks_step(const LibraryMarks *marks);

/* Looks up the marks of list `key` under `stamp` and returns how many of the first `want`
 * the table holds (0..want); when that is more than 0, writes an Arena-owned copy of the last
 * of them (mark number count - 1) to *ret_cursor. Returns -ENOMEM when the copy fails. */
int64_t library_marks_get(LibraryMarks *marks, Arena *arena, int64_t stamp, const char *key,
                          int64_t want, const char **ret_cursor);

/* Keeps `cursor` as mark number `index` of list `key`, read under `stamp`: a stamp newer than
 * the table's empties it first, an older one is ignored; so is a mark that would not follow
 * the list's last one (index != its count), one past LIMIT_OFFSET_MARKS_PER_LIST, or one that
 * does not fit in memory. */
void library_marks_put(LibraryMarks *marks, int64_t stamp, const char *key, int64_t index,
                       const char *cursor);

/* Returns the number of marks held, every list counted (for tests and metrics). */
size_t library_marks_count(LibraryMarks *marks);

#endif
