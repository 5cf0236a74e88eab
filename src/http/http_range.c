/*
 * http_range.c - parses `Range: bytes=...` (RFC 9110 §14.1.2) against a known size.
 *
 * The whole header is checked first (any malformed element makes it ERR_RANGE), then the
 * satisfiable elements are counted: one alone is 206, several are 200, none is 416.
 */
#include "http/http_range.h"

#include "core/err.h"
#include "core/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* One parsed range-spec, before it meets the representation size. */
typedef struct RangeSpec {
    bool suffix;    /* "-N": the last N bytes */
    uint64_t first; /* first-pos, or N for a suffix */
    bool has_last;
    uint64_t last;
} RangeSpec;

static bool range_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Parses 1*DIGIT at s[*pos..end) into *ret_value; false on no digits or overflow. */
static bool range_number(const char *s, size_t end, size_t *pos, uint64_t *ret_value)
{
    size_t i = *pos;
    uint64_t v = 0;
    if (i >= end || s[i] < '0' || s[i] > '9')
        return false;
    while (i < end && s[i] >= '0' && s[i] <= '9') {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        i++;
    }
    *pos = i;
    *ret_value = v;
    return true;
}

/* Parses one range-spec occupying exactly s[start..end). */
static bool range_spec(const char *s, size_t start, size_t end, RangeSpec *ret_spec)
{
    RangeSpec spec = {0};
    size_t pos = start;
    if (pos < end && s[pos] == '-') {
        pos++;
        spec.suffix = true;
        if (!range_number(s, end, &pos, &spec.first) || pos != end || spec.first == 0)
            return false;
        *ret_spec = spec;
        return true;
    }
    if (!range_number(s, end, &pos, &spec.first))
        return false;
    if (pos >= end || s[pos] != '-')
        return false;
    pos++;
    if (pos < end) {
        if (!range_number(s, end, &pos, &spec.last) || pos != end || spec.last < spec.first)
            return false;
        spec.has_last = true;
    }
    *ret_spec = spec;
    return true;
}

/* Resolves a spec against `size`; false when it is not satisfiable. */
static bool range_resolve(const RangeSpec *spec, uint64_t size, HttpRange *ret_range)
{
    if (size == 0)
        return false;
    if (spec->suffix) {
        uint64_t n = spec->first < size ? spec->first : size;
        ret_range->start = size - n;
        ret_range->length = n;
        return true;
    }
    if (spec->first >= size)
        return false;
    uint64_t last = spec->has_last && spec->last < size ? spec->last : size - 1;
    ret_range->start = spec->first;
    ret_range->length = last - spec->first + 1;
    return true;
}

int http_range_parse(const char *header, uint64_t size, HttpRange *ret_range)
{
    if (!header)
        return HTTP_RANGE_FULL;
    size_t len = strnlen(header, LIMIT_HTTP_RANGE_BYTES + 1);
    if (len > LIMIT_HTTP_RANGE_BYTES)
        return ERR_RANGE;
    /* Field values arrive trimmed from the server; trim again for direct callers. */
    size_t b = 0;
    while (b < len && range_is_ows(header[b]))
        b++;
    while (len > b && range_is_ows(header[len - 1]))
        len--;
    const char *eq = memchr(header + b, '=', len - b);
    if (!eq || (size_t)(eq - (header + b)) != 5 || strncasecmp(header + b, "bytes", 5) != 0)
        return HTTP_RANGE_FULL; /* another unit, or not a ranges-specifier: ignored */

    size_t pos = (size_t)(eq - header) + 1;
    int specs = 0;
    int satisfiable = 0;
    HttpRange first_ok = {0};
    /* 1#range-spec: elements separated by OWS "," OWS; empty elements are allowed. */
    while (pos <= len) {
        size_t comma = pos;
        while (comma < len && header[comma] != ',')
            comma++;
        size_t s = pos;
        size_t e = comma;
        while (s < e && range_is_ows(header[s]))
            s++;
        while (e > s && range_is_ows(header[e - 1]))
            e--;
        if (e > s) {
            RangeSpec spec;
            if (!range_spec(header, s, e, &spec))
                return ERR_RANGE;
            specs++;
            HttpRange r;
            if (range_resolve(&spec, size, &r)) {
                if (satisfiable == 0)
                    first_ok = r;
                satisfiable++;
            }
        }
        pos = comma + 1;
    }
    if (specs == 0 || satisfiable == 0)
        return ERR_RANGE;
    if (specs > 1)
        return HTTP_RANGE_FULL;
    *ret_range = first_ok;
    return HTTP_RANGE_PARTIAL;
}
