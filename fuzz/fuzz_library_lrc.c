/*
 * fuzz_library_lrc.c - libFuzzer target for library_lrc_parse.
 *
 * The whole input is the lyrics text. Checks the invariants of every successful parse:
 * valid UTF-8 lines of bounded length, non-negative sorted times when synced, -1 when not.
 */
#include "core/err.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "library/library_lrc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Arena *arena = arena_new(64 * 1024 * 1024);
    if (!arena)
        return 0;
    Lrc lrc;
    int r = library_lrc_parse(arena, (const char *)data, size, &lrc);
    if (r == 0) {
        if (lrc.n_lines > LIMIT_LRC_LINES)
            abort();
        for (size_t i = 0; i < lrc.n_lines; i++) {
            const LrcLine *l = &lrc.lines[i];
            size_t len = strlen(l->text);
            if (len > LIMIT_TAG_BYTES || !utf8_valid(l->text, len))
                abort();
            if (lrc.synced ? l->start_ms < 0 : l->start_ms != -1)
                abort();
            if (lrc.synced && i && l->start_ms < lrc.lines[i - 1].start_ms)
                abort();
        }
    } else if (r != ERR_LIMIT && r != -ENOMEM) {
        abort();
    }
    arena_free(arena);
    return 0;
}
