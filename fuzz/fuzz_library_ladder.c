/*
 * fuzz_library_ladder.c - libFuzzer target for library_ladder_parse (transcode_ladder).
 *
 * The whole input, cut at its first NUL, is the setting's value. Checks every successful
 * parse: 1..LIMIT_LADDER_STEPS steps, each a known format at a bitrate a stream could ask for.
 */
#include "core/err.h"
#include "core/limits.h"
#include "library/library_ladder.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    LibraryLadderSpec spec;
    int r = library_ladder_parse(text, &spec);
    if (r == 0) {
        if (spec.n == 0 || spec.n > LIMIT_LADDER_STEPS)
            abort();
        for (size_t i = 0; i < spec.n; i++) {
            const LibraryLadderStep *s = &spec.steps[i];
            if (media_transcode_clamp_kbps(s->format, s->kbps) != s->kbps)
                abort();
            if (!media_transcode_format_name(s->format))
                abort();
        }
    } else if (r != -EINVAL && r != ERR_LIMIT) {
        abort();
    }
    free(text);
    return 0;
}
