/*
 * fold.h - text folded for comparison: the normal form of names that search matches and
 * ranks on. ASCII is lowercased, common Latin accents are removed ("Café" -> "cafe",
 * "Straße" -> "strasse"), punctuation becomes one space between words; other scripts pass
 * through unchanged. The database stores the search key of every name (SQLite calls this code
 * as the SQL function swaz_search_key) so that a query's key finds names through a B-tree.
 * Pure functions writing into caller-owned buffers; any thread.
 */
#ifndef SWAZ_CORE_FOLD_H
#define SWAZ_CORE_FOLD_H

#include <stddef.h>

/* Bytes `fold_text` and `fold_search_key` may write for `len` input bytes, NUL included. */
#define FOLD_CAP(len) ((len)*2 + 1)

/* Writes the folded form of the `len` bytes at `s` to `out` (room for FOLD_CAP(len) bytes),
 * NUL-terminated, and returns its length. */
size_t fold_text(const char *s, size_t len, char *out);

/* As fold_text(), then without a leading "the " (as sort keys ignore it): the key under which
 * a name is found by an exact or prefix search. Returns its length. */
size_t fold_search_key(const char *s, size_t len, char *out);

#endif
