/* api_request.c - query parameters, connection, body and paged answers of the native API. */
#include "api/api_request.h"

#include "api/api.h"
#include "api/api_error.h"
#include "api/api_json.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"

#include <errno.h>
#include <string.h>

int api_query_limit(HttpRequest *req, HttpResponse *res, int64_t dflt, int64_t max, int *ret_limit)
{
    int64_t limit = dflt;
    const char *s = http_request_query(req, "limit");
    if (s && str_to_int64(s, 1, max, &limit) < 0) {
        const char *msg =
            arena_printf(req->arena, "limit must be an integer in 1..%lld", (long long)max);
        api_error(req, res, 400, "bad_request", msg ? msg : "bad limit");
        return -EINVAL;
    }
    *ret_limit = (int)limit;
    return 0;
}

const char *api_query_cursor(HttpRequest *req)
{
    const char *after = http_request_query(req, "after");
    return after && *after ? after : NULL;
}

int api_query_page(HttpRequest *req, HttpResponse *res, int *ret_limit, const char **ret_after)
{
    if (api_query_limit(req, res, LIMIT_PAGE_DEFAULT, LIMIT_PAGE_MAX, ret_limit) < 0)
        return -EINVAL;
    *ret_after = api_query_cursor(req);
    return 0;
}

int api_conn(HttpRequest *req, HttpResponse *res, DbConn **ret_conn)
{
    const ApiContext *ctx = req->app;
    int r = db_acquire(ctx->db, ret_conn);
    if (r < 0)
        api_error_from(req, res, r);
    return r;
}

int api_body_object(HttpRequest *req, HttpResponse *res, json_t **ret_body)
{
    json_t *body =
        req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (!json_is_object(body)) {
        json_decref(body);
        api_error(req, res, 400, "bad_request", "the body must be a JSON object");
        return -EINVAL;
    }
    *ret_body = body;
    return 0;
}

int api_paged(HttpRequest *req, HttpResponse *res, json_t *items, const char *next)
{
    json_t *body = items ? json_pack("{s:o, s:o}", "items", items, "next",
                                     next ? json_string(next) : json_null())
                         : NULL;
    return api_json_respond(req, res, 200, body);
}

void api_paged_start(ApiJson *w)
{
    api_json_text(w, API_JSON_TEXT_MAX);
    api_json_object(w, NULL);
    api_json_array(w, "items");
}

int api_paged_send(ApiJson *w, HttpRequest *req, HttpResponse *res, const char *next)
{
    api_json_end(w);
    api_json_str(w, "next", next);
    api_json_end(w);
    return api_json_send(w, req, res, 200);
}

int api_paged_error(HttpRequest *req, HttpResponse *res, int err)
{
    if (err == ERR_PARSE)
        return api_error(req, res, 400, "bad_request", "malformed cursor in 'after'");
    return api_error_from(req, res, err);
}

const char *api_attachment(HttpRequest *req, const char *stem, const char *ext)
{
    size_t tlen = strnlen(stem, 200);
    size_t elen = strlen(ext);
    char *ascii = arena_alloc(req->arena, tlen + elen + 1);
    char *pct = arena_alloc(req->arena, (tlen + elen) * 3 + 1);
    if (!ascii || !pct)
        return NULL;
    static const char hex[] = "0123456789ABCDEF";
    size_t na = 0, np = 0;
    for (size_t i = 0; i < tlen + elen; i++) {
        unsigned char c = (unsigned char)(i < tlen ? stem[i] : ext[i - tlen]);
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_';
        ascii[na++] = plain || c == ' ' ? (char)c : '_';
        if (plain) {
            pct[np++] = (char)c;
        } else {
            pct[np++] = '%';
            pct[np++] = hex[c >> 4];
            pct[np++] = hex[c & 15];
        }
    }
    ascii[na] = '\0';
    pct[np] = '\0';
    return arena_printf(req->arena, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, pct);
}
