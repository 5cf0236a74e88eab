/* api_error.c - error responses of the native API. */
#include "api/api_error.h"

#include "api/api_json.h"
#include "core/err.h"

#include <jansson.h>

int api_error(HttpRequest *req, HttpResponse *res, int status, const char *code,
              const char *message)
{
    json_t *body = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
    return api_json_respond(req, res, status, body);
}

int api_error_from(HttpRequest *req, HttpResponse *res, int err)
{
    switch (err) {
    case -ENOENT:
        return api_error(req, res, 404, "not_found", "not found");
    case -EINVAL:
    case ERR_PARSE:
        return api_error(req, res, 400, "bad_request", err_str(err));
    case ERR_LIMIT:
        return api_error(req, res, 400, "limit_exceeded", err_str(err));
    case ERR_AUTH:
        return api_error(req, res, 401, "unauthorized", err_str(err));
    case ERR_FORBIDDEN:
        return api_error(req, res, 403, "forbidden", err_str(err));
    case ERR_CONFLICT:
        return api_error(req, res, 409, "conflict", err_str(err));
    case ERR_DB_BUSY:
        http_response_header(res, "Retry-After", "1");
        return api_error(req, res, 503, "busy", "the database is busy; try again");
    case ERR_DB:
        return api_error(req, res, 503, "database_unavailable", "the database is unavailable");
    case -ENOSPC:
    case -EDQUOT:
    case -EFBIG:
        return api_error(req, res, 507, "insufficient_storage", "no space left on the server");
    default:
        return api_error(req, res, 500, "internal", "internal error");
    }
}

int api_error_page(HttpRequest *req, HttpResponse *res, int status)
{
    static const struct {
        int status;
        const char *code;
        const char *message;
    } pages[] = {
        {400, "bad_request", "malformed request"},
        {404, "not_found", "no such endpoint"},
        {405, "method_not_allowed", "method not allowed"},
        {413, "payload_too_large", "request body too large"},
        {414, "uri_too_long", "request URL too long"},
        {431, "headers_too_large", "request headers too large"},
    };
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        if (pages[i].status == status)
            return api_error(req, res, status, pages[i].code, pages[i].message);
    }
    return api_error(req, res, status, "internal", "internal error");
}
