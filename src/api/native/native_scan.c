/*
 * native_scan.c - GET and POST /api/scan over the scan service.
 *
 * Authentication does not exist yet; when it arrives both endpoints become admin-only
 * (recent errors show file paths).
 */
#include "api/native/native_scan.h"

#include "api/api.h"
#include "api/api_error.h"
#include "api/api_json.h"
#include "core/err.h"
#include "core/limits.h"
#include "library/library_service.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* An ISO 8601 UTC time with milliseconds, or null for 0. */
static json_t *native_scan_time(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        return json_null();
    char buf[64];
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    return json_string(buf);
}

static json_t *native_scan_json(HttpRequest *req, const LibraryServiceStatus *st)
{
    const ApiContext *ctx = req->app;
    json_t *errors = json_array();
    for (size_t i = 0; errors && i < st->n_errors; i++) {
        json_array_append_new(errors, json_pack("{s:o, s:s}", "path",
                                                api_json_string(req, st->errors[i].path), "message",
                                                err_str(st->errors[i].err)));
    }
    json_t *error_count = json_null();
    DbConn *conn;
    if (db_acquire(ctx->db, &conn) == 0) {
        int64_t n;
        if (library_service_error_count(conn, &n) == 0)
            error_count = json_integer(n);
        db_release(conn);
    }
    const LibraryScanStats *s = &st->stats;
    json_t *eta = json_null();
    if (st->state == LIBRARY_SERVICE_SCANNING && s->total > 0 && st->files_per_second > 0.0) {
        int64_t left = s->total > s->seen ? s->total - s->seen : 0;
        eta = json_integer((json_int_t)((double)left / st->files_per_second + 0.5));
    }
    const char *result = library_service_result_name(st->result);
    json_t *o = json_object();
    if (!o || !errors) {
        json_decref(o);
        json_decref(errors);
        json_decref(error_count);
        json_decref(eta);
        return NULL;
    }
    json_object_set_new(o, "state", json_string(library_service_state_name(st->state)));
    json_object_set_new(o, "full", json_boolean(st->full));
    json_object_set_new(o, "startedAt", native_scan_time(st->started_at_ms));
    json_object_set_new(o, "finishedAt", native_scan_time(st->finished_at_ms));
    json_object_set_new(o, "result", result ? json_string(result) : json_null());
    json_object_set_new(o, "total", json_integer(s->total));
    json_object_set_new(o, "seen", json_integer(s->seen));
    json_object_set_new(o, "probed", json_integer(s->probed));
    json_object_set_new(o, "added", json_integer(s->added));
    json_object_set_new(o, "updated", json_integer(s->updated));
    json_object_set_new(o, "unchanged", json_integer(s->unchanged));
    json_object_set_new(o, "missing", json_integer(s->missing));
    json_object_set_new(o, "errors", json_integer(s->errors));
    json_object_set_new(o, "filesPerSecond", json_real(st->files_per_second));
    json_object_set_new(o, "etaSeconds", eta);
    json_object_set_new(o, "scans", json_integer(st->scans));
    json_object_set_new(o, "pendingFull", json_boolean(st->pending_full));
    json_object_set_new(o, "pendingPaths", json_integer((json_int_t)st->pending_paths));
    json_object_set_new(o, "recentErrors", errors);
    json_object_set_new(o, "errorCount", error_count);
    return o;
}

/* Answers the status with `status`; 503 when the server runs without a scan service. */
static int native_scan_respond(HttpRequest *req, HttpResponse *res, int status)
{
    const ApiContext *ctx = req->app;
    if (!ctx->scans)
        return api_error(req, res, 503, "unavailable", "the scan service is not running");
    LibraryServiceStatus *st = arena_alloc(req->arena, sizeof(*st));
    if (!st)
        return -ENOMEM;
    library_service_status(ctx->scans, st);
    return api_json_respond(req, res, status, native_scan_json(req, st));
}

int native_scan_get(HttpRequest *req, HttpResponse *res)
{
    return native_scan_respond(req, res, 200);
}

/* True when the body holds nothing but whitespace. */
static bool native_scan_body_empty(const HttpRequest *req)
{
    for (size_t i = 0; req->body && i < req->body_len; i++) {
        if (!strchr(" \t\r\n", req->body[i]))
            return false;
    }
    return true;
}

int native_scan_post(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    if (!ctx->scans)
        return api_error(req, res, 503, "unavailable", "the scan service is not running");
    if (native_scan_body_empty(req)) {
        int r = library_service_request_full(ctx->scans);
        if (r < 0)
            return api_error(req, res, 503, "unavailable", "the server is stopping");
        return native_scan_respond(req, res, 202);
    }
    json_error_t jerr;
    json_t *body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!body)
        return api_error(req, res, 400, "bad_request", "the body is not valid JSON");
    int r = 0;
    json_t *paths = json_object_get(body, "paths");
    size_t n = json_is_array(paths) ? json_array_size(paths) : 0;
    if (!json_is_object(body) || (paths && !json_is_array(paths))) { /* {}: a full scan */
        r = api_error(req, res, 400, "bad_request", "expected {\"paths\": [\"/folder\", ...]}");
        goto out_body;
    }
    if (n > LIMIT_SCAN_PENDING_PATHS) {
        r = api_error(req, res, 400, "limit_exceeded", "too many paths (at most 256)");
        goto out_body;
    }
    const char **list = n ? arena_alloc(req->arena, n * sizeof(*list)) : NULL;
    if (n && !list) {
        r = -ENOMEM;
        goto out_body;
    }
    for (size_t i = 0; i < n; i++) {
        list[i] = json_string_value(json_array_get(paths, i));
        if (!list[i]) {
            r = api_error(req, res, 400, "bad_request", "every path must be a string");
            goto out_body;
        }
    }
    r = n ? library_service_request_paths(ctx->scans, list, n)
          : library_service_request_full(ctx->scans);
    if (r == -EINVAL) {
        r = api_error(req, res, 400, "bad_request",
                      "paths must be absolute folders inside the music folders, without '.' "
                      "or '..' segments");
        goto out_body;
    }
    if (r < 0) {
        r = api_error(req, res, 503, "unavailable", "the server is stopping");
        goto out_body;
    }
    r = native_scan_respond(req, res, 202);
out_body:
    json_decref(body);
    return r;
}
