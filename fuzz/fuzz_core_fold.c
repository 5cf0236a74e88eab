/*
 * fuzz_core_fold.c - libFuzzer target for fold_text and fold_search_key.
 *
 * The whole input is a name or a search query (both come from untrusted tags and requests).
 * Checks: the output fits FOLD_CAP, ends at the returned length, has no ASCII capital, no
 * leading, trailing or doubled space; for valid UTF-8 the output is valid UTF-8 and folding
 * it again changes nothing; the search key is the folded text without a leading "the ".
 */
#include "core/fold.h"
#include "core/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *out = malloc(FOLD_CAP(size));
    char *again = malloc(FOLD_CAP(size * 2));
    char *key = malloc(FOLD_CAP(size));
    if (!out || !again || !key)
        goto out_free;
    size_t n = fold_text((const char *)data, size, out);
    if (n > size * 2 || out[n] != '\0')
        abort();
    for (size_t i = 0; i < n; i++) {
        if ((out[i] >= 'A' && out[i] <= 'Z') ||
            (out[i] == ' ' && (i == 0 || i + 1 == n || out[i + 1] == ' ')))
            abort();
    }
    if (utf8_valid((const char *)data, size) && memchr(data, '\0', size) == NULL) {
        if (!utf8_valid(out, n))
            abort();
        size_t m = fold_text(out, n, again);
        if (m != n || memcmp(out, again, n) != 0)
            abort();
    }
    size_t k = fold_search_key((const char *)data, size, key);
    const char *want = n > 4 && memcmp(out, "the ", 4) == 0 ? out + 4 : out;
    if (k != strlen(want) || memcmp(key, want, k + 1) != 0)
        abort();
out_free:
    free(out);
    free(again);
    free(key);
    return 0;
}
