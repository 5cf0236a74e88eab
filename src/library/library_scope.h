/*
 * library_scope.h - which libraries a query may see, and the SQL that says so.
 *
 * The API builds a LibraryScope from the request's Principal; the library queries append a
 * clause written by their caller with '@' where the bound library ids go ("s.library_id IN
 * (@)"). An unrestricted scope (NULL or all) adds nothing, so an administrator's queries
 * are exactly the unscoped ones; an empty list matches nothing. SQL is built from fixed text
 * and '?' only. Plain data and pure functions; any thread.
 */
#ifndef SWAZ_LIBRARY_SCOPE_H
#define SWAZ_LIBRARY_SCOPE_H

#include "core/arena.h"
#include "db/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct LibraryScope {
    bool all;           /* every library: ids is ignored */
    const int64_t *ids; /* the visible libraries (borrowed), at most LIMIT_MUSIC_DIRS */
    size_t n;
} LibraryScope;

/* Scope clauses for library_scope_sql(), `ID` the SQL of the object's id: an object is
 * visible when one of its songs (present, for artists, albums and genres) is in a visible
 * library. An artist or a genre has a row of counts in each library where it has such a song
 * (or, for an artist, an album holding one; migration 0019), which the scanner writes with
 * its counts: one probe of that key per library instead of a walk through its songs. */
#define LIBRARY_SCOPE_ARTIST(ID)                                                                   \
    "EXISTS (SELECT 1 FROM artist_library_counts c WHERE c.artist_id = " ID                        \
    " AND c.library_id IN (@))"
#define LIBRARY_SCOPE_GENRE(ID)                                                                    \
    "EXISTS (SELECT 1 FROM genre_library_counts c WHERE c.genre_id = " ID                          \
    " AND c.library_id IN (@))"
#define LIBRARY_SCOPE_ALBUM(ID)                                                                    \
    "EXISTS (SELECT 1 FROM songs s WHERE s.album_id = " ID " AND s.missing = 0"                    \
    " AND s.library_id IN (@))"
#define LIBRARY_SCOPE_SONG(ID)                                                                     \
    "EXISTS (SELECT 1 FROM songs s WHERE s.id = " ID " AND s.library_id IN (@))"

/* True when `scope` (NULL: every library) restricts nothing. */
bool library_scope_all(const LibraryScope *scope);

/* True when `scope` lets a query see library `library_id`. */
bool library_scope_sees(const LibraryScope *scope, int64_t library_id);

/* Returns head + clause + tail, every '@' of `clause` replaced by "?, ?, ..." (one per id);
 * the clause is left out for an unrestricted scope, and for an empty one '@' becomes "NULL"
 * (IN (NULL) matches nothing). All three parts are the caller's fixed text. Arena-owned, or NULL.
 */
const char *library_scope_sql(Arena *arena, const LibraryScope *scope, const char *head,
                              const char *clause, const char *tail);

/* Binds the ids for every '@' of `clause` from parameter *idx on, advancing *idx; does
 * nothing when library_scope_sql() left the clause out. Returns 0 or a db_bind error. */
int library_scope_bind(DbStmt *st, const LibraryScope *scope, const char *clause, int *idx);

#endif
