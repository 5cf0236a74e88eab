/*
 * fuzz_library_m3u.c - libFuzzer target for library_m3u_parse and library_m3u_normalize.
 *
 * The whole input is the playlist text. Checks the invariants of every successful parse:
 * at most LIMIT_M3U_LINES entries with non-empty paths and increasing line numbers, and
 * every normalised path free of "." and ".." parts and of "//".
 */
#include "core/err.h"
#include "core/limits.h"
#include "library/library_m3u.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True if `p` has an empty, "." or ".." part (a leading '/' aside). */
static int fuzz_m3u_bad_part(const char *p)
{
    if (*p == '/')
        p++;
    for (;;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return 1;
        if (!p[n])
            return 0;
        p += n + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Arena *arena = arena_new(64 * 1024 * 1024);
    if (!arena)
        return 0;
    M3u m3u;
    int r = library_m3u_parse(arena, (const char *)data, size, &m3u);
    if (r == 0) {
        if (m3u.n > LIMIT_M3U_LINES)
            abort();
        for (size_t i = 0; i < m3u.n; i++) {
            const M3uEntry *e = &m3u.entries[i];
            if (!e->path || !*e->path || (i && e->line <= m3u.entries[i - 1].line))
                abort();
            const char *norm;
            int nr = library_m3u_normalize(arena, e->path, &norm);
            if (nr == 0 && (fuzz_m3u_bad_part(norm) || strstr(norm, "//")))
                abort();
            if (nr != 0 && nr != ERR_PARSE && nr != -ENOMEM)
                abort();
        }
    } else if (r != ERR_LIMIT && r != ERR_PARSE && r != -ENOMEM) {
        abort();
    }
    arena_free(arena);
    return 0;
}
