/* ini.c - line-by-line INI parsing into a callback; no allocation. */
#include "core/ini.h"

#include "core/err.h"
#include "core/limits.h"

#include <string.h>

static char *ini_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int ini_valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

int ini_parse(const char *text, size_t len, IniCallback cb, void *ctx, int *ret_line)
{
    char line[LIMIT_CONFIG_LINE_BYTES + 1];
    char section[LIMIT_CONFIG_LINE_BYTES + 1] = "";
    size_t pos = 0;
    int lineno = 0;

    while (pos < len) {
        lineno++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        if (n > LIMIT_CONFIG_LINE_BYTES) {
            *ret_line = lineno;
            return ERR_LIMIT;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos += n + (nl ? 1 : 0);
        if (memchr(line, '\0', n)) {
            *ret_line = lineno;
            return ERR_PARSE;
        }

        char *s = ini_trim(line);
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (!end || *ini_trim(end + 1) != '\0') {
                *ret_line = lineno;
                return ERR_PARSE;
            }
            *end = '\0';
            char *name = ini_trim(s + 1);
            if (!ini_valid_name(name)) {
                *ret_line = lineno;
                return ERR_PARSE;
            }
            memmove(section, name, strlen(name) + 1);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            *ret_line = lineno;
            return ERR_PARSE;
        }
        *eq = '\0';
        char *key = ini_trim(s);
        char *value = ini_trim(eq + 1);
        if (!ini_valid_name(key)) {
            *ret_line = lineno;
            return ERR_PARSE;
        }
        size_t vlen = strlen(value);
        if (vlen && value[0] == '"') {
            if (vlen < 2 || value[vlen - 1] != '"') {
                *ret_line = lineno;
                return ERR_PARSE;
            }
            value[vlen - 1] = '\0';
            value++;
        }
        int r = cb(ctx, section, key, value, lineno);
        if (r < 0) {
            *ret_line = lineno;
            return r;
        }
    }
    return 0;
}
