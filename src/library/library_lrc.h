/*
 * library_lrc.h - lyrics in LRC form ("[01:02.50]words"), synced or plain.
 *
 * Accepts several time tags on one line, [offset:+/-ms], the metadata tags ([ar:], [ti:],
 * [al:], [by:], [length:]) which are skipped, CRLF, a UTF-8 BOM, and text without any time
 * tag (unsynced lyrics: one line each). Lines are sorted by time, stable. Bounded: at most
 * LIMIT_LRC_LINES lines of at most LIMIT_TAG_BYTES each. Pure; any thread.
 */
#ifndef SWAZ_LIBRARY_LRC_H
#define SWAZ_LIBRARY_LRC_H

#include "core/arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct LrcLine {
    int64_t start_ms; /* -1 in unsynced lyrics */
    const char *text; /* Arena-owned, valid UTF-8, may be "" */
} LrcLine;

typedef struct Lrc {
    bool synced;
    int64_t offset_ms; /* from [offset:], already applied to start_ms */
    LrcLine *lines;    /* Arena-owned */
    size_t n_lines;
} Lrc;

/* Parses `len` bytes of `text`. Returns 0, ERR_LIMIT (too many lines) or -ENOMEM. */
int library_lrc_parse(Arena *arena, const char *text, size_t len, Lrc *ret_lrc);

#endif
