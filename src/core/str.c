/* str.c - strict number parsing and small string helpers. */
#include "core/str.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

int str_to_uint64(const char *s, uint64_t *ret_value)
{
    if (!s || !*s)
        return -EINVAL;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *ret_value = v;
    return 0;
}

int str_to_int64(const char *s, int64_t min, int64_t max, int64_t *ret_value)
{
    if (!s)
        return -EINVAL;
    bool neg = s[0] == '-';
    uint64_t u;
    int r = str_to_uint64(neg ? s + 1 : s, &u);
    if (r < 0)
        return r;
    int64_t v;
    if (neg) {
        if (u > (uint64_t)INT64_MAX + 1)
            return -ERANGE;
        v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
    } else {
        if (u > (uint64_t)INT64_MAX)
            return -ERANGE;
        v = (int64_t)u;
    }
    if (v < min || v > max)
        return -ERANGE;
    *ret_value = v;
    return 0;
}

int str_to_bool(const char *s, bool *ret_value)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *ret_value = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *ret_value = false;
            return 0;
        }
    }
    return -EINVAL;
}

bool str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

void str_hex(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

int str_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* True if `s` is min_len..max_len characters that all pass `ok`; reads at most max_len + 1. */
static bool str_all(const char *s, size_t min_len, size_t max_len, bool (*ok)(char c))
{
    size_t n = s ? strnlen(s, max_len + 1) : 0;
    if (!s || n < min_len || n > max_len)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!ok(s[i]))
            return false;
    }
    return true;
}

static bool str_hex_lower_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool str_base64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

bool str_is_hex_lower(const char *s, size_t min_len, size_t max_len)
{
    return str_all(s, min_len, max_len, str_hex_lower_char);
}

bool str_is_base64url(const char *s, size_t min_len, size_t max_len)
{
    return str_all(s, min_len, max_len, str_base64url_char);
}

size_t str_copy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t k = n < size - 1 ? n : size - 1;
        memcpy(dst, src, k);
        dst[k] = '\0';
    }
    return n;
}
