/*
 * fuzz_subsonic_params.c - libFuzzer target for the Subsonic parameter parsing and the
 * answer writers.
 *
 * The input is a form body (the first line, up to '\n', is used as the query string). Every
 * pair goes through the strict number and boolean parsers, `p` through the enc:-hex
 * decoder, `callback` through the JSONP name check; then each pair becomes an attribute, a
 * text value and a list item of an answer that is written as XML, JSON and JSONP. Checked:
 * bounded counts and lengths, and that the JSON is valid (jansson reads it back).
 */
#include "api/subsonic/subsonic_params.h"
#include "api/subsonic/subsonic_response.h"
#include "auth/auth_subsonic.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_write(SubsonicDoc *doc, SubsonicFormat format, const char *cb)
{
    Buf out;
    buf_init(&out, 8 << 20);
    int rc = subsonic_doc_write(doc, format, cb, &out);
    if (rc != 0 && rc != -ENOMEM && rc != ERR_LIMIT)
        abort();
    if (rc == 0 && format == SUBSONIC_JSON) {
        json_error_t e;
        json_t *j = json_loadb(out.data, out.len, 0, &e);
        if (!j)
            abort();
        json_decref(j);
    }
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t qlen = nl ? (size_t)(nl - s) : 0;
    Arena *arena = arena_new(8 << 20);
    HttpParams *query = malloc(sizeof(*query));
    if (!arena || !query)
        goto out;
    query->count = 0;
    if (http_query_parse(arena, s, qlen, query) < 0)
        query->count = 0;
    const char *body = nl ? nl + 1 : s;
    size_t body_len = size - (size_t)(body - s);
    SubsonicParams p;
    int rc = subsonic_params_parse(arena, query, "application/x-www-form-urlencoded", body,
                                   body_len, &p);
    if (rc != 0 && rc != ERR_PARSE && rc != ERR_LIMIT && rc != -ENOMEM)
        abort();
    if (rc != 0)
        goto out;
    if (p.count > LIMIT_SUBSONIC_PARAMS)
        abort();
    SubsonicDoc *doc = subsonic_doc_new(arena, "fuzz", p.count & 1);
    SubsonicNode *root = doc ? subsonic_doc_root(doc) : NULL;
    for (size_t i = 0; i < p.count; i++) {
        const char *k = p.items[i].key, *v = p.items[i].value;
        if (strlen(k) > LIMIT_HTTP_PARAM_BYTES || strlen(v) > LIMIT_HTTP_PARAM_BYTES)
            abort();
        int64_t n;
        bool b;
        if (subsonic_params_int(&p, k, 0, INT64_MIN, INT64_MAX, &n) == 0 &&
            subsonic_params_get(&p, k) == NULL)
            abort();
        (void)subsonic_params_bool(&p, k, false, &b);
        char pw[LIMIT_PASSWORD_BYTES + 1];
        if (strcmp(k, "p") == 0 && auth_subsonic_decode_password(v, pw, sizeof(pw)) == 0 &&
            strlen(pw) > LIMIT_PASSWORD_BYTES)
            abort();
        SubsonicNode *item = subsonic_item(root, "item");
        subsonic_str(item, "key", k);
        subsonic_text(subsonic_ext(item), v);
        subsonic_int(subsonic_child(item, "n"), "value", (int64_t)i);
    }
    const char *cb = subsonic_params_get(&p, "callback");
    if (doc) {
        fuzz_write(doc, SUBSONIC_XML, NULL);
        fuzz_write(doc, SUBSONIC_JSON, NULL);
        if (subsonic_callback_valid(cb))
            fuzz_write(doc, SUBSONIC_JSONP, cb);
        subsonic_doc_error(doc, 0, cb, NULL);
        fuzz_write(doc, SUBSONIC_JSON, NULL);
    }
out:
    free(query);
    arena_free(arena);
    return 0;
}
