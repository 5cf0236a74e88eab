/* api_json.c - JSON serialisation into the request arena. */
#include "api/api_json.h"

#include "core/utf8.h"

#include <errno.h>

int api_json_respond(HttpRequest *req, HttpResponse *res, int status, json_t *body)
{
    if (!body)
        return -ENOMEM;
    size_t len = json_dumpb(body, NULL, 0, JSON_COMPACT);
    char *data = len ? arena_alloc(req->arena, len) : NULL;
    if (!data) {
        json_decref(body);
        return -ENOMEM;
    }
    json_dumpb(body, data, len, JSON_COMPACT);
    json_decref(body);
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
