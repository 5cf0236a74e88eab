/*
 * fuzz_library_radio.c - libFuzzer target for the checks of internet radio station fields
 * (library_radio_url_valid, library_radio_name_valid), which decide what a client-supplied
 * URL or name may be stored.
 *
 * The input is one candidate string (cut at the first NUL). Checks the invariants of an
 * accepted URL: http:// or https:// (any case) followed by a host, at most
 * LIMIT_RADIO_URL_BYTES, valid UTF-8, no byte <= 0x20 or 0x7f; of an accepted name: 1 to
 * LIMIT_RADIO_NAME_BYTES bytes of valid UTF-8 without control characters.
 */
#include "core/limits.h"
#include "core/utf8.h"
#include "library/library_radio.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t n = strlen(s);
    if (library_radio_url_valid(s)) {
        size_t scheme = strncasecmp(s, "https://", 8) == 0 ? 8 : 7;
        if (n > LIMIT_RADIO_URL_BYTES || n <= scheme || !utf8_valid(s, n) ||
            (strncasecmp(s, "http://", 7) != 0 && strncasecmp(s, "https://", 8) != 0) ||
            strchr("/?#@:", s[scheme]))
            abort();
        for (size_t i = 0; i < n; i++) {
            if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] == 0x7f)
                abort();
        }
    }
    if (library_radio_name_valid(s)) {
        if (n == 0 || n > LIMIT_RADIO_NAME_BYTES || !utf8_valid(s, n))
            abort();
        for (size_t i = 0; i < n; i++) {
            if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
                abort();
        }
    }
    free(s);
    return 0;
}
