/* native_health.c - GET /health. */
#include "api/native/native_health.h"

#include "api/api.h"
#include "api/api_json.h"

int native_health_get(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    bool db_ok = db_ping(ctx->db) == 0;
    bool redis_ok = ctx->redis && redis_client_ping(ctx->redis) == 0;
    bool ok = db_ok && (!ctx->redis || redis_ok);
    json_t *body =
        json_pack("{s:s, s:s, s:I, s:{s:s, s:b}, s:{s:b, s:b}}", "status",
                  ok ? "ok" : "unavailable", "version", ctx->version, "uptime_s",
                  (json_int_t)((api_monotonic_ms() - ctx->started_ms) / 1000), "database", "kind",
                  db_kind(ctx->db) == DB_KIND_POSTGRES ? "postgres" : "sqlite", "ok", db_ok,
                  "redis", "configured", ctx->redis != NULL, "ok", redis_ok);
    return api_json_respond(req, res, ok ? 200 : 503, body);
}
