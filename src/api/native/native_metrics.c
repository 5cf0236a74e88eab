/* native_metrics.c - GET /metrics, rendered into the request arena. */
#include "api/native/native_metrics.h"

#include "api/api.h"
#include "api/api_auth.h"
#include "api/api_error.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/metrics.h"

#include <errno.h>
#include <string.h>

#define NATIVE_METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

int native_metrics_get(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    const Principal *p = api_auth_principal(req);
    if (!ctx->metrics_public && !p) {
        http_response_header(res, "WWW-Authenticate", "Bearer");
        return api_error(req, res, 401, "unauthorized", "authentication required");
    }
    if (!ctx->metrics_public && !p->is_admin)
        return api_error(req, res, 403, "forbidden", "administrators only");

    Buf b;
    buf_init(&b, LIMIT_METRICS_BYTES);
    int r = metrics_render(&b);
    if (r == 0)
        r = metrics_render_process(&b);
    char *text = r == 0 ? arena_strndup(req->arena, b.data ? b.data : "", b.len) : NULL;
    size_t len = b.len;
    buf_free(&b);
    if (!text)
        return api_error_from(req, res, r < 0 ? r : -ENOMEM);
    http_response_header(res, "Cache-Control", "no-store");
    r = http_response_body(res, NATIVE_METRICS_TYPE, text, len);
    return r < 0 ? api_error_from(req, res, r) : 0;
}
