/*
 * fold.c - folding text for comparison: tables from Latin-1 and Latin Extended-A to ASCII,
 * and one pass over the bytes that maps letters, drops accents and collapses separators.
 */
#include "core/fold.h"

#include <stdbool.h>
#include <string.h>

static bool fold_ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ASCII for U+0100..U+017F (Latin Extended-A), one letter each. */
static const char fold_latin_ext_a[] = "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkk"
                                       "LlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUu"
                                       "UuWwYyYZzZzZzs";

/* ASCII for U+00C0..U+00FF (Latin-1 letters); "" marks a separator (× ÷). */
static const char *const fold_latin1[] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y",
};

size_t fold_text(const char *s, size_t len, char *out)
{
    size_t off = 0;
    bool space = false; /* a separator is pending */
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        const char *mapped = NULL;
        char one[2] = {0, 0};
        size_t adv = 1;
        if (c < 0x80) {
            if (fold_ascii_alnum(c)) {
                one[0] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
                mapped = one;
            } else {
                mapped = "";
            }
        } else if ((c & 0xE0) == 0xC0 && i + 1 < len && ((unsigned char)s[i + 1] & 0xC0) == 0x80) {
            unsigned cp = ((unsigned)(c & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3F);
            adv = 2;
            if (cp >= 0xC0 && cp <= 0xFF) {
                mapped = fold_latin1[cp - 0xC0];
            } else if (cp >= 0x100 && cp <= 0x17F) {
                char l = fold_latin_ext_a[cp - 0x100];
                one[0] = (char)(l >= 'A' && l <= 'Z' ? l - 'A' + 'a' : l);
                mapped = one;
            } else if (cp < 0xC0) {
                mapped = ""; /* Latin-1 punctuation and symbols */
            }
        } else if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] <= 0x81) {
            adv = 3; /* U+2000..U+207F: general punctuation */
            mapped = "";
        }
        if (!mapped) { /* other scripts: kept as they are, one byte at a time */
            if (space && off)
                out[off++] = ' ';
            space = false;
            out[off++] = (char)c;
            i++;
            continue;
        }
        if (!*mapped) {
            space = true;
        } else {
            if (space && off)
                out[off++] = ' ';
            space = false;
            size_t ml = strlen(mapped);
            memcpy(out + off, mapped, ml);
            off += ml;
        }
        i += adv;
    }
    out[off] = '\0';
    return off;
}

size_t fold_search_key(const char *s, size_t len, char *out)
{
    size_t n = fold_text(s, len, out);
    if (n > 4 && memcmp(out, "the ", 4) == 0) {
        memmove(out, out + 4, n - 4 + 1);
        n -= 4;
    }
    return n;
}
