/*
 * library_m3u.c - M3U / M3U8 parsing, path normalisation and writing. Pure text handling:
 * nothing here opens a file or a URL.
 */
#include "library/library_m3u.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"

#include <string.h>
#include <strings.h>

/* Skips spaces and tabs. */
static const char *m3u_skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Decodes a file:// URL ("file:///a/b", "file://localhost/a/b") into a path. Returns 0,
 * ERR_PARSE (another host, a bad or NUL %-escape, no path) or -ENOMEM. */
static int m3u_file_url(Arena *arena, const char *s, size_t len, const char **ret_path)
{
    const char *p = s + 7; /* after "file://" */
    const char *end = s + len;
    if ((size_t)(end - p) >= 9 && strncasecmp(p, "localhost", 9) == 0)
        p += 9;
    if (p >= end || *p != '/')
        return ERR_PARSE;
    char *out = arena_alloc(arena, (size_t)(end - p) + 1);
    if (!out)
        return -ENOMEM;
    size_t n = 0;
    while (p < end) {
        if (*p == '%') {
            if (end - p < 3)
                return ERR_PARSE;
            int hi = str_hex_digit(p[1]);
            int lo = str_hex_digit(p[2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return ERR_PARSE;
            out[n++] = (char)(hi * 16 + lo);
            p += 3;
            continue;
        }
        if (*p == '?' || *p == '#')
            break;
        out[n++] = *p++;
    }
    out[n] = '\0';
    *ret_path = out;
    return 0;
}

/* True if the line starts with a URL scheme ("name://"). */
static bool m3u_is_url(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len &&
           ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
            (i > 0 && ((s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.'))))
        i++;
    return i >= 2 && len - i >= 3 && memcmp(s + i, "://", 3) == 0;
}

/* Parses "#EXTINF:<seconds>[ attrs],<title>" into duration and title. Malformed durations
 * give -1; the title is what follows the first comma. */
static int m3u_extinf(Arena *arena, const char *p, const char *end, int64_t *ret_ms,
                      const char **ret_title)
{
    p = m3u_skip_ws(p, end);
    bool neg = false;
    if (p < end && *p == '-') {
        neg = true;
        p++;
    }
    int64_t secs = 0;
    bool digits = false;
    while (p < end && *p >= '0' && *p <= '9') {
        if (secs < 100000000)
            secs = secs * 10 + (*p - '0');
        digits = true;
        p++;
    }
    int64_t frac_ms = 0;
    if (p < end && *p == '.') {
        p++;
        int64_t scale = 100;
        while (p < end && *p >= '0' && *p <= '9') {
            frac_ms += (*p - '0') * scale;
            scale /= 10;
            digits = true;
            p++;
        }
    }
    *ret_ms = (digits && !neg) ? secs * 1000 + frac_ms : -1;
    const char *comma = memchr(p, ',', (size_t)(end - p));
    *ret_title = NULL;
    if (comma) {
        const char *t = m3u_skip_ws(comma + 1, end);
        const char *te = end;
        while (te > t && (te[-1] == ' ' || te[-1] == '\t'))
            te--;
        if (te > t) {
            char *title = arena_strndup(arena, t, (size_t)(te - t));
            if (!title)
                return -ENOMEM;
            *ret_title = title;
        }
    }
    return 0;
}

int library_m3u_parse(Arena *arena, const char *text, size_t len, M3u *ret_m3u)
{
    if (memchr(text, '\0', len))
        return ERR_PARSE;
    const char *p = text;
    const char *end = text + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;

    /* Count lines first so the entry array is allocated once. */
    size_t lines = 0;
    for (const char *q = p; q < end; q++) {
        if (*q == '\n' || (*q == '\r' && (q + 1 == end || q[1] != '\n')))
            lines++;
    }
    if (end > p && end[-1] != '\n' && end[-1] != '\r')
        lines++;
    if (lines > LIMIT_M3U_LINES)
        return ERR_LIMIT;

    M3uEntry *entries = lines ? arena_calloc(arena, lines, sizeof(*entries)) : NULL;
    if (lines && !entries)
        return -ENOMEM;
    size_t n = 0;
    size_t line_no = 0;
    int64_t pending_ms = -1;
    const char *pending_title = NULL;
    while (p < end) {
        const char *eol = p;
        while (eol < end && *eol != '\n' && *eol != '\r')
            eol++;
        const char *next = eol;
        if (next < end && *next == '\r')
            next++;
        if (next < end && *next == '\n' && (next == eol || next[-1] == '\r'))
            next++;
        line_no++;
        if ((size_t)(eol - p) > LIMIT_PATH_BYTES)
            return ERR_LIMIT;
        const char *s = m3u_skip_ws(p, eol);
        const char *e = eol;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        p = next;
        size_t slen = (size_t)(e - s);
        if (slen == 0)
            continue;
        if (*s == '#') {
            if (slen >= 8 && strncasecmp(s, "#EXTINF:", 8) == 0) {
                int r = m3u_extinf(arena, s + 8, e, &pending_ms, &pending_title);
                if (r < 0)
                    return r;
            }
            continue; /* #EXTM3U, #PLAYLIST, #EXTGRP, comments */
        }
        M3uEntry *en = &entries[n];
        en->line = line_no;
        en->duration_ms = pending_ms;
        en->title = pending_title;
        pending_ms = -1;
        pending_title = NULL;
        if (slen >= 7 && strncasecmp(s, "file://", 7) == 0) {
            int r = m3u_file_url(arena, s, slen, &en->path);
            if (r < 0)
                return r;
            if (!*en->path)
                continue;
        } else {
            en->url = m3u_is_url(s, slen);
            en->path = arena_strndup(arena, s, slen);
            if (!en->path)
                return -ENOMEM;
        }
        n++;
    }
    ret_m3u->entries = entries;
    ret_m3u->n = n;
    return 0;
}

int library_m3u_normalize(Arena *arena, const char *path, const char **ret_path)
{
    size_t len = strlen(path);
    char *out = arena_alloc(arena, len + 2);
    if (!out)
        return -ENOMEM;
    bool absolute = path[0] == '/' || path[0] == '\\';
    size_t n = 0;
    if (absolute)
        out[n++] = '/';
    size_t base = n; /* out[0..base) is never removed */
    const char *p = path;
    while (*p) {
        while (*p == '/' || *p == '\\')
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && *p != '/' && *p != '\\')
            p++;
        size_t plen = (size_t)(p - s);
        if (plen == 1 && s[0] == '.')
            continue;
        if (plen == 2 && s[0] == '.' && s[1] == '.') {
            if (n == base)
                return ERR_PARSE; /* would climb above the start */
            while (n > base && out[n - 1] != '/')
                n--;
            if (n > base)
                n--; /* the separator before the removed part */
            continue;
        }
        if (n > base)
            out[n++] = '/';
        memcpy(out + n, s, plen);
        n += plen;
    }
    if (n == base)
        return ERR_PARSE;
    out[n] = '\0';
    *ret_path = out;
    return 0;
}

/* Appends `s` with CR and LF replaced by spaces. */
static int m3u_append_clean(Buf *out, const char *s)
{
    for (const char *p = s; *p;) {
        size_t run = strcspn(p, "\r\n");
        int r = buf_append(out, p, run);
        if (r < 0)
            return r;
        p += run;
        if (*p) {
            if ((r = buf_append(out, " ", 1)) < 0)
                return r;
            p++;
        }
    }
    return 0;
}

int library_m3u_append(Buf *out, int64_t duration_ms, const char *title, const char *path)
{
    int r = 0;
    if (out->len == 0)
        r = buf_append_str(out, "#EXTM3U\n");
    if (r == 0)
        r = buf_printf(out, "#EXTINF:%lld,",
                       duration_ms >= 0 ? (long long)((duration_ms + 500) / 1000) : -1LL);
    if (r == 0)
        r = m3u_append_clean(out, title ? title : "");
    if (r == 0)
        r = buf_append(out, "\n", 1);
    if (r == 0)
        r = m3u_append_clean(out, path);
    if (r == 0)
        r = buf_append(out, "\n", 1);
    return r;
}
