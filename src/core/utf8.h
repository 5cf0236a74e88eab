/*
 * utf8.h - UTF-8 validation and repair.
 *
 * PostgreSQL refuses text that is not valid UTF-8, and JSON must be valid UTF-8, so every
 * string read from a file (tags, file names) passes through here. Pure functions; any
 * thread.
 */
#ifndef SWAZ_CORE_UTF8_H
#define SWAZ_CORE_UTF8_H

#include "core/arena.h"

#include <stdbool.h>
#include <stddef.h>

/* Returns the length (1..4) of the well-formed sequence at the start of the `len` (> 0)
 * bytes at `s`, or 0 when it is ill-formed or cut short. */
size_t utf8_seq_len(const char *s, size_t len);

/* True if the `len` bytes at `s` are well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). */
bool utf8_valid(const char *s, size_t len);

/* Returns `s` itself when valid, else an Arena-owned copy with every ill-formed sequence
 * replaced by U+FFFD. NULL only when out of memory. */
const char *utf8_repair(Arena *arena, const char *s);

#endif
