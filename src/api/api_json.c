/* api_json.c - JSON serialisation into the request arena. */
#include "api/api_json.h"

#include "core/buf.h"
#include "core/limits.h"
#include "core/utf8.h"

#include <errno.h>
#include <string.h>

/* jansson hands the text over in pieces; they go straight into one bounded buffer. */
static int api_json_append(const char *piece, size_t size, void *data)
{
    return buf_append(data, piece, size) == 0 ? 0 : -1;
}

int api_json_respond(HttpRequest *req, HttpResponse *res, int status, json_t *body)
{
    if (!body)
        return -ENOMEM;
    Buf out;
    buf_init(&out, LIMIT_HTTP_ARENA_BYTES / 2);
    int r = json_dump_callback(body, api_json_append, &out, JSON_COMPACT);
    json_decref(body);
    char *data = r == 0 ? arena_alloc(req->arena, out.len ? out.len : 1) : NULL;
    if (data)
        memcpy(data, out.data, out.len);
    size_t len = out.len;
    buf_free(&out);
    if (!data)
        return -ENOMEM;
    http_response_status(res, status);
    http_response_header(res, "Cache-Control", "no-store");
    return http_response_body(res, "application/json", data, len);
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
