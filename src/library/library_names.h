/*
 * library_names.h - the names of artists and genres (id -> name, sort name) a process has
 * read, so the related rows of a page of songs or albums (library_song_refs()) name their
 * targets without a statement. Every entry belongs to one stamp of the library generation
 * (db_generation_get(DB_GENERATION_LIBRARY)): a newer stamp empties the table, an older one
 * neither reads nor writes it, so a rename by a scan of this process or another is seen as
 * soon as the stamp moves. At most `max_entries` entries (a newcomer takes the oldest slot of
 * its bucket); an entry longer than LIMIT_NAMES_CACHE_TEXT_BYTES is never kept. Any thread:
 * one mutex, taken once per call.
 */
#ifndef SWAZ_LIBRARY_LIBRARY_NAMES_H
#define SWAZ_LIBRARY_LIBRARY_NAMES_H

#include "core/arena.h"
#include "db/db.h"

#include <stddef.h>
#include <stdint.h>

/* Kinds of targets a table keeps apart (the same id may name an artist and a genre). */
#define LIBRARY_NAMES_KINDS 4

typedef struct LibraryNames LibraryNames;

/* One target: `id` is the key; `name` and `sort` are NULL while unknown. */
typedef struct LibraryName {
    const char *id;
    const char *name;
    const char *sort;
} LibraryName;

/* Returns an empty table of at most `max_entries` entries (rounded down to a power of two,
 * at least 8), or NULL when out of memory. Caller frees with library_names_free(). */
LibraryNames *library_names_new(size_t max_entries);

/* Frees the table and its entries. NULL is a no-op. */
void library_names_free(LibraryNames *names);

/* Makes `names` (or NULL: none) the table every library_names_of() of the pool's connections
 * returns. Call after db_open(), before the pool is shared; the pool does not own it. */
void library_names_attach(Db *db, LibraryNames *names);

/* Returns the table attached to the pool of `conn`, or NULL, and writes the pool to *ret_db
 * when ret_db is not NULL. */
LibraryNames *library_names_of(DbConn *conn, Db **ret_db);

/* Fills name and sort (Arena-owned copies) of each v[i] of `kind` (< LIBRARY_NAMES_KINDS)
 * whose id the table holds for `stamp`; the others are left as they are. Returns how many
 * were filled, or -ENOMEM (some may have been filled). */
int library_names_get(LibraryNames *names, Arena *arena, int64_t stamp, unsigned kind,
                      LibraryName *v, size_t n);

/* Keeps each v[i] of `kind` that has a name (a NULL sort is kept as "") as read under
 * `stamp`: a stamp newer than the table's empties it first; an older one is ignored. Entries
 * that do not fit (memory, LIMIT_NAMES_CACHE_TEXT_BYTES) are skipped. */
void library_names_put(LibraryNames *names, int64_t stamp, unsigned kind, const LibraryName *v,
                       size_t n);

/* Returns the number of entries held (for tests and metrics). */
size_t library_names_count(LibraryNames *names);

#endif
