/*
 * fuzz_http_range.c - libFuzzer target for http_range_parse.
 *
 * The first 8 bytes choose the representation size (small sizes are favoured so that
 * satisfiable ranges are common); the rest is the header. Checks the invariants every
 * PARTIAL answer must hold.
 */
#include "core/err.h"
#include "http/http_range.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t rep = 0;
    if (size >= 8) {
        memcpy(&rep, data, 8);
        data += 8;
        size -= 8;
        if (!(rep & 1))
            rep = (rep >> 1) % 100000; /* half the time a file-like size */
    }
    char *header = malloc(size + 1);
    if (!header)
        return 0;
    memcpy(header, data, size);
    header[size] = '\0';
    HttpRange r = {0, 0};
    int rc = http_range_parse(header, rep, &r);
    if (rc == HTTP_RANGE_PARTIAL) {
        if (r.length == 0 || r.start >= rep || r.length > rep - r.start)
            abort();
    } else if (rc != HTTP_RANGE_FULL && rc != ERR_RANGE) {
        abort();
    }
    /* absent header: always the full representation */
    if (http_range_parse(NULL, rep, &r) != HTTP_RANGE_FULL)
        abort();
    free(header);
    return 0;
}
