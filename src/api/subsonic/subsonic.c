/*
 * subsonic.c - /rest/ dispatch: parameters, format, method lookup, authentication, the
 * endpoint, then one serialisation of the answer (or of the error) in the chosen format.
 */
#include "api/subsonic/subsonic.h"

#include "api/api_auth.h"
#include "api/subsonic/subsonic_cache.h"
#include "api/subsonic/subsonic_routes.h"
#include "auth/auth_subsonic.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int subsonic_fail(SubsonicCall *call, int code, const char *message)
{
    call->error_code = code;
    call->error_message = message;
    return SUBSONIC_FAILED;
}

int subsonic_error_code(int err)
{
    switch (err) {
    case -ENOENT:
        return SUBSONIC_ERR_NOT_FOUND;
    case ERR_FORBIDDEN:
        return SUBSONIC_ERR_UNAUTHORIZED;
    default:
        return auth_subsonic_error_code(err);
    }
}

/* The message of an error code when the endpoint gave none. */
static const char *subsonic_message(int code, int err)
{
    switch (code) {
    case SUBSONIC_ERR_MISSING:
        return "Required parameter is missing";
    case SUBSONIC_ERR_CLIENT_OLD:
        return "Incompatible Subsonic REST protocol version. Client must upgrade";
    case SUBSONIC_ERR_SERVER_OLD:
        return "Incompatible Subsonic REST protocol version. Server must upgrade";
    case SUBSONIC_ERR_WRONG_AUTH:
        return "Wrong username or password";
    case SUBSONIC_ERR_NO_TOKEN:
        return "Token authentication needs an app password; create one in the web player";
    case SUBSONIC_ERR_MECH:
        return "Provided authentication mechanism not supported";
    case SUBSONIC_ERR_CONFLICT:
        return "Multiple conflicting authentication mechanisms provided";
    case SUBSONIC_ERR_BAD_API_KEY:
        return "Invalid API key";
    case SUBSONIC_ERR_UNAUTHORIZED:
        return "User is not authorized for the given operation";
    case SUBSONIC_ERR_NOT_FOUND:
        return "The requested data was not found";
    default:
        return err == ERR_DB || err == ERR_DB_BUSY ? "The database is unavailable; try again"
                                                   : err_str(err);
    }
}

const char *subsonic_param(const SubsonicCall *call, const char *name)
{
    return subsonic_params_get(&call->params, name);
}

int subsonic_param_required(SubsonicCall *call, const char *name, const char **ret_value)
{
    const char *v = subsonic_param(call, name);
    if (!v || !*v) {
        const char *msg = arena_printf(call->req->arena, "Required parameter is missing: %s", name);
        return subsonic_fail(call, SUBSONIC_ERR_MISSING,
                             msg ? msg : "Required parameter is missing");
    }
    *ret_value = v;
    return 0;
}

static int subsonic_bad_param(SubsonicCall *call, const char *name)
{
    const char *msg = arena_printf(call->req->arena, "Invalid value of parameter %s", name);
    return subsonic_fail(call, SUBSONIC_ERR_GENERIC, msg ? msg : "Invalid parameter");
}

int subsonic_param_int(SubsonicCall *call, const char *name, int64_t dflt, int64_t min, int64_t max,
                       int64_t *ret_value)
{
    if (subsonic_params_int(&call->params, name, dflt, min, max, ret_value) < 0)
        return subsonic_bad_param(call, name);
    return 0;
}

int subsonic_param_bool(SubsonicCall *call, const char *name, bool dflt, bool *ret_value)
{
    if (subsonic_params_bool(&call->params, name, dflt, ret_value) < 0)
        return subsonic_bad_param(call, name);
    return 0;
}

bool subsonic_legacy_client(const char *list, const char *c)
{
    if (!list || !c || !*c)
        return false;
    size_t n = strlen(c);
    while (*list) {
        while (*list == ' ' || *list == ',')
            list++;
        const char *end = strchr(list, ',');
        if (!end)
            end = list + strlen(list);
        const char *last = end;
        while (last > list && last[-1] == ' ')
            last--;
        if ((size_t)(last - list) == n && n && strncasecmp(list, c, n) == 0)
            return true;
        list = end;
    }
    return false;
}

/* Checks v= against the version we implement: a newer minor (or major) is 30, a major
 * below 1 is 20. Absent or unparsable versions are accepted, as most servers do. */
static int subsonic_check_version(SubsonicCall *call)
{
    const char *v = subsonic_param(call, "v");
    unsigned major, minor;
    if (!v || sscanf(v, "%u.%u", &major, &minor) != 2)
        return 0;
    if (major < 1)
        return subsonic_fail(call, SUBSONIC_ERR_CLIENT_OLD, NULL);
    if (major > 1 || minor > 16)
        return subsonic_fail(call, SUBSONIC_ERR_SERVER_OLD, NULL);
    return 0;
}

/* True (after answering 429 with Retry-After) when (kind, key) is over its limit. */
static bool subsonic_limited(SubsonicCall *call, AuthRateKind kind, const char *key)
{
    const ApiAuthSettings *s = &call->ctx->auth->settings;
    unsigned limit = kind == AUTH_RATELIMIT_ACCOUNT ? s->rate_account : s->rate_address;
    int64_t retry;
    if (auth_ratelimit_check(call->ctx->auth->limiter, kind, key, limit, s->rate_window_s,
                             (int64_t)time(NULL), &retry) == 0)
        return false;
    char value[24];
    snprintf(value, sizeof(value), "%lld", (long long)retry);
    http_response_header(call->res, "Retry-After", value);
    http_response_status(call->res, 429);
    subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Too many failed attempts; try again later");
    return true;
}

/* Authenticates the caller into call->user. Returns 0 or SUBSONIC_FAILED. */
static int subsonic_authenticate(SubsonicCall *call, const SubsonicMethod *m)
{
    HttpRequest *req = call->req;
    const char *u = subsonic_param(call, "u");
    const char *client = api_auth_client_addr(req);
    if (subsonic_limited(call, AUTH_RATELIMIT_ADDRESS, client) ||
        (u && *u && subsonic_limited(call, AUTH_RATELIMIT_ACCOUNT, u)))
        return SUBSONIC_FAILED;
    char user_id[AUTH_PRINCIPAL_ID_BYTES + 1];
    const char *api_key = subsonic_param(call, "apiKey");
    int r = auth_subsonic_verify(call->conn, call->ctx->keys->app_password_key, u,
                                 subsonic_param(call, "p"), subsonic_param(call, "t"),
                                 subsonic_param(call, "s"), api_key, user_id);
    Principal *p = arena_alloc(req->arena, sizeof(*p));
    if (r == 0 && !p)
        return -ENOMEM;
    if (r == 0 && (r = auth_principal_load(call->conn, user_id, p)) == ERR_AUTH)
        r = AUTH_SUBSONIC_WRONG; /* disabled since the check */
    if (r < 0) {
        int code = subsonic_error_code(r);
        if (code == SUBSONIC_ERR_WRONG_AUTH || code == SUBSONIC_ERR_BAD_API_KEY) {
            api_auth_failed(req, AUTH_RATELIMIT_ADDRESS, client);
            if (u && *u)
                api_auth_failed(req, AUTH_RATELIMIT_ACCOUNT, u);
        }
        if (code == SUBSONIC_ERR_NO_TOKEN) /* point the app at API keys instead */
            call->help_url = SUBSONIC_HELP_API_KEYS;
        return code || r == AUTH_SUBSONIC_MISSING ? subsonic_fail(call, code, NULL) : r;
    }
    if (u && *u)
        api_auth_succeeded(req, AUTH_RATELIMIT_ACCOUNT, u);
    p->method = api_key ? AUTH_METHOD_API_KEY : AUTH_METHOD_SUBSONIC;
    call->user = p;
    req->user = p;
    if (m->access == SUBSONIC_ADMIN && !p->is_admin)
        return subsonic_fail(call, SUBSONIC_ERR_UNAUTHORIZED, NULL);
    return 0;
}

/* Serialises call->doc in `format` as the response body, which stays on the heap (no copy
 * into the arena) until the response completes: at most LIMIT_SUBSONIC_RESPONSE_BYTES plus
 * what the document's runs hold. */
static int subsonic_respond(SubsonicCall *call, SubsonicFormat format, const char *callback)
{
    static const char *const types[] = {"text/xml; charset=utf-8",
                                        "application/json; charset=utf-8",
                                        "application/javascript; charset=utf-8"};
    Buf out;
    buf_init(&out, LIMIT_SUBSONIC_RESPONSE_BYTES + subsonic_doc_text_bytes(call->doc));
    int r = subsonic_doc_write(call->doc, format, callback, &out);
    size_t len = out.len;
    char *data = r == 0 ? buf_steal(&out) : NULL;
    buf_free(&out);
    if (!data) {
        if (r == 0 || r == -ENOMEM)
            return -ENOMEM;
        /* too large to send: say so in a small answer */
        subsonic_cache_drop(call);
        subsonic_doc_error(call->doc, SUBSONIC_ERR_GENERIC, "The answer is too large; page it",
                           NULL);
        return subsonic_respond(call, format, callback);
    }
    http_response_header(call->res, "Cache-Control", "no-store");
    return http_response_body_ref(call->res, types[format], data, len, free, data);
}

/* The format from f= (and callback= for JSONP). A bad callback falls back to JSON with
 * an error already recorded. */
static SubsonicFormat subsonic_format(SubsonicCall *call, const char **ret_callback)
{
    const char *f = subsonic_param(call, "f");
    *ret_callback = NULL;
    if (f && strcmp(f, "json") == 0)
        return SUBSONIC_JSON;
    if (!f || strcmp(f, "jsonp") != 0)
        return SUBSONIC_XML;
    const char *cb = subsonic_param(call, "callback");
    if (!cb || !*cb) {
        subsonic_fail(call, SUBSONIC_ERR_MISSING, "Required parameter is missing: callback");
        return SUBSONIC_JSON;
    }
    if (!subsonic_callback_valid(cb)) {
        subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Invalid JSONP callback name");
        return SUBSONIC_JSON;
    }
    *ret_callback = cb;
    return SUBSONIC_JSONP;
}

/* Finds the method of the path after /rest/ ("ping" or "ping.view"). */
static const SubsonicMethod *subsonic_method(const HttpRequest *req)
{
    const char *name = req->n_params > 0 ? req->params[req->n_params - 1] : "";
    size_t n = strlen(name);
    if (n > 5 && strcmp(name + n - 5, ".view") == 0)
        n -= 5;
    return subsonic_routes_find(name, n);
}

/* Everything subsonic_dispatch() does, with `call` zeroed in the arena. */
static int subsonic_serve(HttpRequest *req, HttpResponse *res, SubsonicCall *call)
{
    const ApiContext *ctx = req->app;
    call->req = req;
    call->res = res;
    call->ctx = ctx;
    int r = subsonic_params_parse(req->arena, &req->query, http_request_header(req, "Content-Type"),
                                  req->body, req->body_len, &call->params);
    if (r < 0) /* keep the query (already parsed) to pick the format and client */
        call->params = (SubsonicParams){req->query.items, req->query.count};
    const char *c = subsonic_param(call, "c");
    call->client = c ? c : "";
    call->doc = subsonic_doc_new(req->arena, ctx->version,
                                 subsonic_legacy_client(ctx->subsonic_legacy_clients, c));
    if (!call->doc)
        return -ENOMEM;
    call->root = subsonic_doc_root(call->doc);
    const char *callback;
    SubsonicFormat format = subsonic_format(call, &callback);
    call->format = format;
    const SubsonicMethod *m = subsonic_method(req);
    if (call->error_message) {
        r = SUBSONIC_FAILED;
    } else if (r < 0) {
        r = subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                          r == ERR_LIMIT ? "Too many or too long parameters"
                                         : "Malformed parameters");
    } else if (!m) {
        http_response_status(res, 404);
        r = subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Unknown method");
    } else {
        r = subsonic_check_version(call);
    }
    if (r == 0 && (r = db_acquire(ctx->db, &call->conn)) == 0) {
        if (m->access != SUBSONIC_PUBLIC)
            r = subsonic_authenticate(call, m);
        if (r == 0 && (r = subsonic_cache_answer(call, m)) > 0) {
            r = 0;
            call->answered = true; /* from the page cache */
        } else if (r == 0) {
            r = m->handler(call);
        }
        subsonic_cache_done(call, r);
        if (call->conn) /* an endpoint may give it back early */
            db_release(call->conn);
        call->conn = NULL;
    }
    if (r == 0 && call->answered)
        return 0;
    if (r < 0) {
        int code = r == SUBSONIC_FAILED ? call->error_code : subsonic_error_code(r);
        const char *msg = call->error_message ? call->error_message : subsonic_message(code, r);
        if (r != SUBSONIC_FAILED && code == SUBSONIC_ERR_GENERIC)
            log_warn("subsonic %s: %s", req->path, err_str(r));
        if (r == -ENOMEM)
            return r;
        subsonic_doc_error(call->doc, code, msg, call->help_url);
    }
    return subsonic_respond(call, format, callback);
}

int subsonic_dispatch(HttpRequest *req, HttpResponse *res)
{
    SubsonicCall *call = arena_calloc(req->arena, 1, sizeof(*call));
    if (!call)
        return -ENOMEM;
    int r = subsonic_serve(req, res, call);
    subsonic_doc_free(call->doc); /* the answer, if any, is a copy by now */
    return r;
}
