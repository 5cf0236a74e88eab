/*
 * api_json.c - JSON serialisation into the request arena, and the ApiJson writer. In text
 * mode each value reserves its worst case in the buffer once and is written in place; in
 * tree mode it becomes a jansson value set into the innermost open container.
 */
#include "api/api_json.h"

#include "core/err.h"
#include "core/utf8.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* jansson hands the text over in pieces; they go straight into one bounded buffer. */
static int api_json_append(const char *piece, size_t size, void *data)
{
    return buf_append(data, piece, size) == 0 ? 0 : -1;
}

/* Answers `status` with the `len` bytes of JSON at `text`, copied into the request arena. */
static int api_json_body(HttpRequest *req, HttpResponse *res, int status, const char *text,
                         size_t len)
{
    char *data = arena_alloc(req->arena, len ? len : 1);
    if (!data)
        return -ENOMEM;
    memcpy(data, text, len);
    http_response_status(res, status);
    http_response_header(res, "Cache-Control", "no-store");
    return http_response_body(res, "application/json", data, len);
}

int api_json_respond(HttpRequest *req, HttpResponse *res, int status, json_t *body)
{
    if (!body)
        return -ENOMEM;
    Buf out;
    buf_init(&out, API_JSON_TEXT_MAX);
    int r = json_dump_callback(body, api_json_append, &out, JSON_COMPACT);
    json_decref(body);
    r = r == 0 ? api_json_body(req, res, status, out.data, out.len) : -ENOMEM;
    buf_free(&out);
    return r;
}

json_t *api_json_string(HttpRequest *req, const char *s)
{
    if (!s)
        return json_null();
    const char *ok = utf8_repair(req->arena, s);
    return ok ? json_string(ok) : json_null();
}

json_t *api_json_opt_string(HttpRequest *req, const char *s)
{
    return s && *s ? api_json_string(req, s) : json_null();
}

json_t *api_json_opt_int(int64_t v)
{
    return v ? json_integer(v) : json_null();
}

/* ---- ApiJson ---- */

/* The worst case of one escaped byte: \u00XX. */
#define API_JSON_ESCAPE_MAX 6

void api_json_text(ApiJson *w, size_t max)
{
    memset(w, 0, sizeof(*w));
    buf_init(&w->out, max);
}

void api_json_tree(ApiJson *w, Arena *arena)
{
    memset(w, 0, sizeof(*w));
    buf_init(&w->out, 0);
    w->tree = true;
    w->arena = arena;
}

void api_json_free(ApiJson *w)
{
    buf_free(&w->out);
    json_decref(w->root); /* NULL is a no-op */
    w->root = NULL;
    w->depth = 0;
}

int api_json_status(const ApiJson *w)
{
    if (w->err)
        return w->err;
    return w->depth == 0 && (w->tree ? w->root != NULL : w->out.len > 0) ? 0 : -EINVAL;
}

json_t *api_json_take(ApiJson *w)
{
    json_t *root = NULL;
    if (w->tree && api_json_status(w) == 0) {
        root = w->root;
        w->root = NULL;
    }
    api_json_free(w);
    return root;
}

int api_json_send(ApiJson *w, HttpRequest *req, HttpResponse *res, int status)
{
    int r = w->tree ? -EINVAL : api_json_status(w);
    if (r == 0)
        r = api_json_body(req, res, status, w->out.data, w->out.len);
    api_json_free(w);
    return r;
}

static void api_json_fail(ApiJson *w, int err)
{
    if (w->err == 0)
        w->err = err;
}

/* Whether none of the 8 bytes of `w` needs an escape or a UTF-8 check: each is printable
 * ASCII but '"' and '\\' (the zero-byte tests of Hacker's Delight, exact for "any byte"). */
static bool api_json_plain8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t quote = w ^ (ones * '"'), bslash = w ^ (ones * '\\');
    uint64_t below = (w - ones * 0x20) & ~w;
    return ((below | ((quote - ones) & ~quote) | ((bslash - ones) & ~bslash) | w) & highs) == 0;
}

/* Text mode: writes the JSON string for `s` at `dst` (room reserved by the caller) and
 * returns the bytes written. */
static size_t api_json_escape(char *dst, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    char *o = dst;
    const char *p = s, *end = s + len;
    *o++ = '"';
    while (p < end) {
        /* Names and titles are mostly plain ASCII: 8 bytes tested and copied at once. */
        uint64_t w;
        if (end - p >= 8 && (memcpy(&w, p, 8), api_json_plain8(w))) {
            memcpy(o, &w, 8);
            o += 8;
            p += 8;
            continue;
        }
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o++ = (char)c;
            p++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = utf8_seq_len(p, (size_t)(end - p));
            if (n) {
                memcpy(o, p, n);
                o += n;
                p += n;
            } else { /* as utf8_repair(): one ill-formed byte becomes U+FFFD */
                memcpy(o, "\xEF\xBF\xBD", 3);
                o += 3;
                p++;
            }
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *o++ = (char)c;
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default:
            memcpy(o, "u00", 3);
            o[3] = hex[c >> 4];
            o[4] = hex[c & 15];
            o += 5;
        }
        p++;
    }
    *o++ = '"';
    return (size_t)(o - dst);
}

/* Text mode: reserves room for the separator, `key` and a value of up to `value_max`
 * bytes, writes the separator and the key, and returns where the value goes (NULL after a
 * failure). The caller writes the value and calls api_json_done(). */
static char *api_json_begin(ApiJson *w, const char *key, size_t value_max)
{
    if (w->err)
        return NULL;
    bool in_object = w->depth > 0 && w->open[w->depth - 1] == '{';
    if ((key != NULL) != in_object || (w->depth == 0 && w->out.len > 0)) {
        api_json_fail(w, -EINVAL);
        return NULL;
    }
    size_t klen = key ? strlen(key) : 0;
    size_t need = 2 + klen * API_JSON_ESCAPE_MAX + 2 + value_max;
    int r = buf_reserve(&w->out, need);
    if (r < 0) {
        api_json_fail(w, r);
        return NULL;
    }
    char *o = w->out.data + w->out.len;
    if (w->comma)
        *o++ = ',';
    if (key) {
        o += api_json_escape(o, key, klen);
        *o++ = ':';
    }
    return o;
}

/* Text mode: the value ends at `end`. */
static void api_json_done(ApiJson *w, char *end)
{
    w->out.len = (size_t)(end - w->out.data);
    w->out.data[w->out.len] = '\0';
    w->comma = true;
}

/* Tree mode: sets `v` (stolen; NULL is out of memory) under `key` in the innermost open
 * container, or as the root. */
static void api_json_add(ApiJson *w, const char *key, json_t *v)
{
    if (w->err || !v) {
        json_decref(v);
        api_json_fail(w, -ENOMEM);
        return;
    }
    json_t *top = w->depth ? w->stack[w->depth - 1] : NULL;
    int r;
    if ((key != NULL) != (top && json_is_object(top)) || (!top && w->root))
        r = -EINVAL;
    else if (!top) {
        w->root = json_incref(v);
        r = 0;
    } else
        r = key ? json_object_set(top, key, v) : json_array_append(top, v);
    json_decref(v);
    if (r < 0)
        api_json_fail(w, r == -1 ? -ENOMEM : r);
}

/* Writes the literal `text` (no escaping needed) as a value. */
static void api_json_lit(ApiJson *w, const char *key, const char *text, size_t len)
{
    char *o = api_json_begin(w, key, len);
    if (!o)
        return;
    memcpy(o, text, len);
    api_json_done(w, o + len);
}

static void api_json_open(ApiJson *w, const char *key, char kind)
{
    if (w->err)
        return;
    if (w->depth == API_JSON_DEPTH_MAX) {
        api_json_fail(w, -EINVAL);
        return;
    }
    if (w->tree) {
        json_t *c = kind == '{' ? json_object() : json_array();
        api_json_add(w, key, c ? json_incref(c) : NULL);
        if (w->err) {
            json_decref(c);
            return;
        }
        w->stack[w->depth] = c; /* borrowed: the parent holds it */
        json_decref(c);
    } else {
        api_json_lit(w, key, kind == '{' ? "{" : "[", 1);
        if (w->err)
            return;
        w->comma = false;
    }
    w->open[w->depth++] = kind;
}

void api_json_object(ApiJson *w, const char *key)
{
    api_json_open(w, key, '{');
}

void api_json_array(ApiJson *w, const char *key)
{
    api_json_open(w, key, '[');
}

void api_json_end(ApiJson *w)
{
    if (w->err)
        return;
    if (w->depth == 0) {
        api_json_fail(w, -EINVAL);
        return;
    }
    char kind = w->open[--w->depth];
    if (w->tree)
        return;
    int r = buf_append(&w->out, kind == '{' ? "}" : "]", 1);
    if (r < 0)
        api_json_fail(w, r);
    w->comma = true;
}

void api_json_str(ApiJson *w, const char *key, const char *s)
{
    if (!s) {
        api_json_null(w, key);
        return;
    }
    if (w->tree) {
        const char *ok = w->err ? NULL : utf8_repair(w->arena, s);
        api_json_add(w, key, ok ? json_string(ok) : NULL);
        return;
    }
    size_t len = strlen(s);
    char *o = api_json_begin(w, key, len * API_JSON_ESCAPE_MAX + 2);
    if (o)
        api_json_done(w, o + api_json_escape(o, s, len));
}

void api_json_opt_str(ApiJson *w, const char *key, const char *s)
{
    if (s && *s)
        api_json_str(w, key, s);
    else
        api_json_null(w, key);
}

void api_json_int(ApiJson *w, const char *key, int64_t v)
{
    if (w->tree) {
        api_json_add(w, key, json_integer(v));
        return;
    }
    /* digits written backwards from the end: no printf on the hottest path of a page */
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    api_json_lit(w, key, p, (size_t)(tmp + sizeof(tmp) - p));
}

void api_json_int_opt(ApiJson *w, const char *key, int64_t v)
{
    if (v)
        api_json_int(w, key, v);
    else
        api_json_null(w, key);
}

/* Formats `v` (finite) as jansson does: "%.17g", ".0" added when neither '.' nor an exponent
 * shows it is a real, and the exponent without '+' or leading zeros. Returns the length. */
static size_t api_json_format_real(char tmp[40], double v)
{
    int n = snprintf(tmp, 40, "%.17g", v);
    size_t len = n > 0 ? (size_t)n : 0;
    if (!strchr(tmp, '.') && !strchr(tmp, 'e')) {
        memcpy(tmp + len, ".0", 3);
        len += 2;
    }
    char *e = strchr(tmp, 'e');
    if (e) {
        char *start = e + 1, *digits = e + 2;
        if (*start == '-')
            start++;
        while (*digits == '0')
            digits++;
        if (digits != start) {
            memmove(start, digits, len - (size_t)(digits - tmp) + 1);
            len -= (size_t)(digits - start);
        }
    }
    return len;
}

void api_json_real(ApiJson *w, const char *key, double v)
{
    if (!isfinite(v)) {
        api_json_null(w, key);
        return;
    }
    if (w->tree) {
        api_json_add(w, key, json_real(v));
        return;
    }
    char tmp[40];
    api_json_lit(w, key, tmp, api_json_format_real(tmp, v));
}

void api_json_bool(ApiJson *w, const char *key, bool v)
{
    if (w->tree)
        api_json_add(w, key, json_boolean(v));
    else if (v)
        api_json_lit(w, key, "true", 4);
    else
        api_json_lit(w, key, "false", 5);
}

void api_json_null(ApiJson *w, const char *key)
{
    if (w->tree)
        api_json_add(w, key, json_null());
    else
        api_json_lit(w, key, "null", 4);
}
