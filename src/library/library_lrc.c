/*
 * library_lrc.c - LRC lyrics parser: time tags, [offset:], metadata tags, plain text.
 *
 * One pass over the bytes, line by line; each line's leading bracket tags are read, then
 * its text is cleaned (control bytes dropped, UTF-8 repaired, cut, trimmed). Lines grow in
 * an arena array up to LIMIT_LRC_LINES and are sorted stably by time at the end.
 */
#include "library/library_lrc.h"

#include "core/err.h"
#include "core/limits.h"
#include "library/library_tags.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LRC_MAX_TIMES 64                            /* time tags on one line */
#define LRC_MAX_MS    ((int64_t)1000 * 3600 * 1000) /* 1,000 hours: past it a tag is noise */

typedef struct LrcSort {
    LrcLine line;
    size_t seq;
} LrcSort;

static bool lrc_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads 1..max_digits digits at s[*i] into *ret_v (bounded by `end`). */
static bool lrc_number(const char *s, size_t end, size_t *i, int max_digits, int64_t *ret_v)
{
    int64_t v = 0;
    int digits = 0;
    while (*i < end && lrc_digit(s[*i])) {
        if (digits == max_digits)
            return false;
        v = v * 10 + (s[*i] - '0');
        digits++;
        (*i)++;
    }
    if (!digits)
        return false;
    *ret_v = v;
    return true;
}

/* Parses the inside of a time tag: m:ss, m:ss.f, h:mm:ss.f (a fraction of 1-3 digits;
 * more are ignored). Minutes may be >= 60. */
static bool lrc_time(const char *s, size_t len, int64_t *ret_ms)
{
    int64_t parts[3] = {0, 0, 0};
    int n = 0;
    size_t i = 0;
    while (n < 3) {
        if (!lrc_number(s, len, &i, n == 0 ? 7 : 2, &parts[n]))
            return false;
        n++;
        if (i < len && s[i] == ':' && n < 3) {
            i++;
            continue;
        }
        break;
    }
    if (n < 2)
        return false;
    int64_t frac_ms = 0;
    if (n == 3 && (parts[0] > 999 || parts[1] > 59 || parts[2] > 59))
        return false;
    if (i < len && s[i] == '.') {
        i++;
        int digits = 0;
        int64_t scale = 100;
        while (i < len && lrc_digit(s[i])) {
            if (digits < 3)
                frac_ms += (s[i] - '0') * scale;
            scale /= 10;
            digits++;
            i++;
        }
        if (!digits)
            return false;
    }
    if (i != len)
        return false;
    int64_t ms;
    if (n == 3)
        ms = ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1000 + frac_ms;
    else if (parts[1] < 60)
        ms = (parts[0] * 60 + parts[1]) * 1000 + frac_ms;
    else
        return false;
    if (ms > LRC_MAX_MS)
        return false;
    *ret_ms = ms;
    return true;
}

/* Parses "+500", "-250", "500" (ms). */
static bool lrc_offset(const char *s, size_t len, int64_t *ret_ms)
{
    size_t i = 0;
    while (i < len && s[i] == ' ')
        i++;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    int64_t v;
    if (!lrc_number(s, len, &i, 9, &v))
        return false;
    while (i < len && s[i] == ' ')
        i++;
    if (i != len)
        return false;
    *ret_ms = neg ? -v : v;
    return true;
}

/* True for "[xx:...]" metadata tags: a name of letters, then ':'. */
static bool lrc_meta(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
        i++;
    return i > 0 && i < len && s[i] == ':';
}

/* Appends a line, growing the array in the arena. ERR_LIMIT or -ENOMEM. */
static int lrc_push(Arena *arena, LrcSort **lines, size_t *n, size_t *cap, int64_t start,
                    const char *text)
{
    if (*n >= LIMIT_LRC_LINES)
        return ERR_LIMIT;
    if (*n == *cap) {
        size_t cap2 = *cap ? *cap * 2 : 32;
        if (cap2 > LIMIT_LRC_LINES)
            cap2 = LIMIT_LRC_LINES;
        LrcSort *grown = arena_alloc(arena, cap2 * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        if (*n)
            memcpy(grown, *lines, *n * sizeof(*grown));
        *lines = grown;
        *cap = cap2;
    }
    (*lines)[*n].line.start_ms = start;
    (*lines)[*n].line.text = text;
    (*lines)[*n].seq = *n;
    (*n)++;
    return 0;
}

static int lrc_cmp(const void *pa, const void *pb)
{
    const LrcSort *a = pa, *b = pb;
    if (a->line.start_ms != b->line.start_ms)
        return a->line.start_ms < b->line.start_ms ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int library_lrc_parse(Arena *arena, const char *text, size_t len, Lrc *ret_lrc)
{
    LrcSort *timed = NULL, *plain = NULL;
    size_t n_timed = 0, cap_timed = 0, n_plain = 0, cap_plain = 0;
    int64_t offset = 0;
    int r = 0;

    size_t pos = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len) {
        size_t eol = pos;
        while (eol < len && text[eol] != '\n' && text[eol] != '\r')
            eol++;
        size_t next = eol;
        if (next < len && text[next] == '\r')
            next++;
        if (next < len && text[next] == '\n')
            next++;

        int64_t times[LRC_MAX_TIMES];
        int n_times = 0;
        bool meta = false;
        size_t i = pos;
        while (i < eol && text[i] == ' ')
            i++;
        while (i < eol && text[i] == '[') {
            size_t close = i + 1;
            while (close < eol && text[close] != ']' && text[close] != '[')
                close++;
            if (close >= eol || text[close] != ']')
                break;
            const char *in = text + i + 1;
            size_t in_len = close - i - 1;
            int64_t ms;
            if (lrc_time(in, in_len, &ms)) {
                if (n_times < LRC_MAX_TIMES)
                    times[n_times++] = ms;
            } else if (in_len >= 7 && strncmp(in, "offset:", 7) == 0) {
                if (lrc_offset(in + 7, in_len - 7, &ms))
                    offset = ms;
                meta = true;
            } else if (lrc_meta(in, in_len) && n_times == 0) {
                meta = true;
            } else {
                break; /* "[Chorus]" and the like: text */
            }
            i = close + 1;
            while (i < eol && text[i] == ' ')
                i++;
        }
        if (!(meta && n_times == 0)) {
            const char *line = library_tags_clean(arena, text + i, eol - i, false);
            if (!line) {
                r = -ENOMEM;
                goto out;
            }
            for (int t = 0; t < n_times && r == 0; t++)
                r = lrc_push(arena, &timed, &n_timed, &cap_timed, times[t], line);
            if (n_times == 0 && n_timed == 0)
                r = lrc_push(arena, &plain, &n_plain, &cap_plain, -1, line);
            if (r < 0)
                goto out;
        }
        pos = next;
    }

    Lrc lrc = {.synced = n_timed > 0, .offset_ms = 0, .lines = NULL, .n_lines = 0};
    if (lrc.synced) {
        lrc.offset_ms = offset;
        for (size_t k = 0; k < n_timed; k++) {
            int64_t t = timed[k].line.start_ms - offset;
            timed[k].line.start_ms = t < 0 ? 0 : t > LRC_MAX_MS ? LRC_MAX_MS : t;
        }
        qsort(timed, n_timed, sizeof(*timed), lrc_cmp);
        lrc.lines = arena_calloc(arena, n_timed, sizeof(*lrc.lines));
        if (!lrc.lines) {
            r = -ENOMEM;
            goto out;
        }
        for (size_t k = 0; k < n_timed; k++)
            lrc.lines[k] = timed[k].line;
        lrc.n_lines = n_timed;
    } else {
        /* Unsynced: every line, without leading and trailing empty ones. */
        size_t first = 0, last = n_plain;
        while (first < last && !*plain[first].line.text)
            first++;
        while (last > first && !*plain[last - 1].line.text)
            last--;
        if (last > first) {
            lrc.lines = arena_calloc(arena, last - first, sizeof(*lrc.lines));
            if (!lrc.lines) {
                r = -ENOMEM;
                goto out;
            }
            for (size_t k = first; k < last; k++)
                lrc.lines[k - first] = plain[k].line;
            lrc.n_lines = last - first;
        }
    }
    *ret_lrc = lrc;
out:
    return r;
}
