/* http_cookie.c - a bounded, allocation-free Cookie header scanner. */
#include "http/http_cookie.h"

#include "core/err.h"
#include "core/limits.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* RFC 6265 cookie-octet, plus space and comma which browsers send in practice. */
static bool http_cookie_octet(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != ';' && c != '\\';
}

static bool http_cookie_name_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", c);
}

int http_cookie_get(const char *header, const char *name, const char **ret_value, size_t *ret_len)
{
    if (!header)
        return -ENOENT;
    size_t total = strnlen(header, LIMIT_AUTH_COOKIE_BYTES + 1);
    if (total > LIMIT_AUTH_COOKIE_BYTES)
        return ERR_LIMIT;
    size_t want = strlen(name);
    const char *p = header, *end = header + total;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ';'))
            p++;
        if (p == end)
            break;
        const char *n0 = p;
        while (p < end && http_cookie_name_char((unsigned char)*p))
            p++;
        size_t nlen = (size_t)(p - n0);
        if (nlen == 0 || p == end || *p != '=')
            return ERR_PARSE;
        p++;
        const char *v0 = p;
        bool quoted = p < end && *p == '"';
        if (quoted)
            v0 = ++p;
        while (p < end && http_cookie_octet((unsigned char)*p))
            p++;
        const char *v1 = p;
        if (quoted) {
            if (p == end || *p != '"')
                return ERR_PARSE;
            p++;
        }
        while (!quoted && v1 > v0 && v1[-1] == ' ')
            v1--; /* trailing spaces before ';' */
        if (p < end && *p != ';')
            return ERR_PARSE;
        if (nlen == want && memcmp(n0, name, nlen) == 0) {
            *ret_value = v0;
            *ret_len = (size_t)(v1 - v0);
            return 0;
        }
    }
    return -ENOENT;
}
