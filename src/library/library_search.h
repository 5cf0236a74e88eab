/*
 * library_search.h - full-text search over artists, albums and songs (the `search` table).
 *
 * The query text is cut into tokens (letters and digits; any non-ASCII byte counts as a
 * letter) and never reaches a query language as typed: SQLite gets FTS5 MATCH strings of
 * quoted terms, whole words first ("beat" "lov", then "beat" "lov"*, then "beat"* "lov"*),
 * PostgreSQL a tsquery of quoted prefix lexemes ('beat':* & 'lov':*) built after
 * unaccent(lower()), plus pg_trgm similarity for typos. Both are case- and
 * accent-insensitive. Hits are ranked: name equal to the query, then names starting with it
 * in the order of their folded form (both found through a B-tree on the folded name,
 * migration 0007), then word matches by how many query words start a word of the name
 * (SQLite) or ts_rank + similarity (PostgreSQL) over a bounded candidate set, fetched only
 * when the first two classes do not fill the limit. No query ranks every match of a common
 * word. Ids are Arena-owned. Any thread, each with its own DbConn.
 */
#ifndef SWAZ_LIBRARY_SEARCH_H
#define SWAZ_LIBRARY_SEARCH_H

#include "core/arena.h"
#include "db/db.h"
#include "library/library_scope.h"

#include <stddef.h>

#define LIBRARY_SEARCH_TOKENS_MAX      8   /* words in one query */
#define LIBRARY_SEARCH_TOKEN_BYTES_MAX 64  /* bytes of one word */
#define LIBRARY_SEARCH_LIMIT_MAX       100 /* hits per kind in the native API's answer */

typedef enum {
    LIBRARY_SEARCH_ARTIST,
    LIBRARY_SEARCH_ALBUM,
    LIBRARY_SEARCH_SONG,
} LibrarySearchKind;

/* Cuts `q` into tokens. Writes an Arena-owned array of `*ret_n` tokens (maybe 0). Returns 0,
 * ERR_LIMIT (longer than LIMIT_SEARCH_QUERY_BYTES, more than LIBRARY_SEARCH_TOKENS_MAX
 * tokens, or a token longer than LIBRARY_SEARCH_TOKEN_BYTES_MAX) or -ENOMEM. */
int library_search_tokens(Arena *arena, const char *q, const char ***ret_tokens, size_t *ret_n);

/* Returns the FTS5 MATCH expression for the tokens: each double-quoted (quotes doubled) with a
 * prefix star, implicitly ANDed. Arena-owned, or NULL. */
const char *library_search_fts5(Arena *arena, const char *const *tokens, size_t n);

/* Returns the tsquery text for the tokens: each single-quoted (quotes and backslashes
 * doubled) as a prefix lexeme, joined by " & ". Arena-owned, or NULL. */
const char *library_search_tsquery(Arena *arena, const char *const *tokens, size_t n);

/* Returns `s` folded for comparison: ASCII lowercase, common Latin accents removed
 * ("Café" -> "cafe", "Straße" -> "strasse"), words joined by one space. Arena-owned or NULL. */
const char *library_search_fold(Arena *arena, const char *s);

/* Searches items of `kind` matching `q`, best first, at most `limit`
 * (1..LIMIT_SEARCH_HITS_MAX). `backend` selects the query dialect. Writes the ids to
 * *ret_ids and their number to *ret_n. Returns 0, -EINVAL, ERR_LIMIT (as
 * library_search_tokens()), -ENOMEM or ERR_DB. */
int library_search(DbConn *conn, DbKind backend, Arena *arena, const char *q,
                   LibrarySearchKind kind, int limit, const char ***ret_ids, size_t *ret_n);

/* As library_search(), over the items `scope` sees (NULL: every library): the scope is a
 * condition of every candidate query, so a restricted user gets the best `limit` hits of
 * their libraries, however many better ones the others hold. */
int library_search_scoped(DbConn *conn, DbKind backend, Arena *arena, const LibraryScope *scope,
                          const char *q, LibrarySearchKind kind, int limit, const char ***ret_ids,
                          size_t *ret_n);

#endif
