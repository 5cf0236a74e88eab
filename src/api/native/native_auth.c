/*
 * native_auth.c - the /api/auth/... handlers. Secrets (passwords, tokens) are never logged;
 * buffers that held them are wiped.
 */
#include "api/native/native_auth.h"

#include "api/api.h"
#include "api/api_auth.h"
#include "api/api_error.h"
#include "api/api_json.h"
#include "auth/auth_jwt.h"
#include "auth/auth_principal.h"
#include "auth/auth_session.h"
#include "auth/auth_user.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NATIVE_AUTH_CSRF_BYTES 32

/* Parses the request body as a JSON object (duplicate keys refused); an empty body is {}.
 * Returns NULL after answering 400. */
static json_t *native_auth_body(HttpRequest *req, HttpResponse *res)
{
    json_t *o;
    if (!req->body || req->body_len == 0)
        o = json_object();
    else
        o = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, NULL);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        api_error(req, res, 400, "bad_request", "expected a JSON object");
        return NULL;
    }
    return o;
}

/* A string member of at most `max` bytes, or NULL. */
static const char *native_auth_str(json_t *o, const char *key, size_t max)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v))
        return NULL;
    return json_string_value(v);
}

static int native_auth_cookie(HttpResponse *res, const char *name, const char *value,
                              const char *path, bool http_only, int64_t max_age, Arena *arena)
{
    char *h = arena_printf(arena, "%s=%s; Path=%s; Max-Age=%lld; SameSite=Strict%s", name, value,
                           path, (long long)max_age, http_only ? "; HttpOnly" : "");
    if (!h)
        return -ENOMEM;
    int r = http_response_header(res, "Set-Cookie", h);
    sodium_memzero(h, strlen(h));
    return r;
}

static void native_auth_clear_cookies(HttpRequest *req, HttpResponse *res)
{
    native_auth_cookie(res, API_AUTH_COOKIE_SESSION, "", "/", true, 0, req->arena);
    native_auth_cookie(res, API_AUTH_COOKIE_REFRESH, "", "/api/auth", true, 0, req->arena);
    native_auth_cookie(res, API_AUTH_COOKIE_CSRF, "", "/", false, 0, req->arena);
}

/* Answers `status` with fresh tokens for `p` (and cookies when asked). */
static int native_auth_issue(HttpRequest *req, HttpResponse *res, int status, const Principal *p,
                             const char refresh[AUTH_SESSION_TOKEN_LEN + 1], bool cookies)
{
    const ApiContext *ctx = req->app;
    const ApiAuthSettings *s = &ctx->auth->settings;
    int64_t now = (int64_t)time(NULL);
    AuthJwtClaims c = {0};
    str_copy(c.sub, p->user_id, sizeof(c.sub));
    str_copy(c.name, p->username, sizeof(c.name));
    c.adm = p->is_admin;
    c.iat = now;
    c.exp = now + s->access_ttl_s;
    char access[LIMIT_AUTH_TOKEN_BYTES];
    int r = auth_jwt_sign(ctx->keys->jwt_key, &c, access, sizeof(access));
    if (r < 0)
        return r;
    if (cookies) {
        unsigned char raw[NATIVE_AUTH_CSRF_BYTES];
        char csrf[sodium_base64_ENCODED_LEN(NATIVE_AUTH_CSRF_BYTES,
                                            sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
        randombytes_buf(raw, sizeof(raw));
        sodium_bin2base64(csrf, sizeof(csrf), raw, sizeof(raw),
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        if ((r = native_auth_cookie(res, API_AUTH_COOKIE_SESSION, access, "/", true,
                                    s->access_ttl_s, req->arena)) < 0 ||
            (r = native_auth_cookie(res, API_AUTH_COOKIE_REFRESH, refresh, "/api/auth", true,
                                    s->refresh_ttl_s, req->arena)) < 0 ||
            (r = native_auth_cookie(res, API_AUTH_COOKIE_CSRF, csrf, "/", false, s->refresh_ttl_s,
                                    req->arena)) < 0)
            goto out_wipe;
    }
    json_t *body = json_pack("{s:s, s:s, s:s, s:i, s:{s:s, s:o, s:b}}", "accessToken", access,
                             "refreshToken", refresh, "tokenType", "Bearer", "expiresIn",
                             (int)s->access_ttl_s, "user", "id", p->user_id, "username",
                             api_json_string(req, p->username), "isAdmin", p->is_admin);
    r = api_json_respond(req, res, status, body);
out_wipe:
    sodium_memzero(access, sizeof(access));
    return r;
}

/* Rate limits, then checks (username, password); answers everything but success. Returns
 * 1 when answered, 0 with ret_user_id set, or a negative error. */
static int native_auth_check(HttpRequest *req, HttpResponse *res, DbConn *conn,
                             const char *username, const char *user_id, const char *password,
                             int fail_status, char ret_user_id[AUTH_PRINCIPAL_ID_BYTES + 1])
{
    const ApiContext *ctx = req->app;
    const char *client = api_auth_client_addr(req);
    const char *account = username ? username : user_id;
    if (api_auth_limited(req, res, AUTH_RATELIMIT_ADDRESS, client) ||
        api_auth_limited(req, res, AUTH_RATELIMIT_ACCOUNT, account))
        return 1;
    int r = auth_principal_authenticate(conn, username, username ? NULL : user_id, password,
                                        ctx->auth->dummy_hash, ret_user_id);
    if (r == ERR_AUTH) {
        api_auth_failed(req, AUTH_RATELIMIT_ADDRESS, client);
        api_auth_failed(req, AUTH_RATELIMIT_ACCOUNT, account);
        api_error(req, res, fail_status, "invalid_credentials", "wrong username or password");
        return 1;
    }
    if (r == 0)
        api_auth_succeeded(req, AUTH_RATELIMIT_ACCOUNT, account);
    return r;
}

int native_auth_login(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    json_t *body = native_auth_body(req, res);
    if (!body)
        return 0;
    const char *username = native_auth_str(body, "username", LIMIT_USERNAME_BYTES);
    const char *password = native_auth_str(body, "password", LIMIT_PASSWORD_BYTES);
    json_t *cookie = json_object_get(body, "cookie");
    int r = 0;
    if (!username || !password || !*username || (cookie && !json_is_boolean(cookie))) {
        r = api_error(req, res, 400, "bad_request",
                      "expected {\"username\": string, \"password\": string, \"cookie\"?: bool}");
        goto out_body;
    }
    DbConn *conn;
    if ((r = db_acquire(ctx->db, &conn)) < 0)
        goto out_body;
    char user_id[AUTH_PRINCIPAL_ID_BYTES + 1];
    r = native_auth_check(req, res, conn, username, NULL, password, 401, user_id);
    if (r != 0) {
        r = r > 0 ? 0 : r;
        goto out_release;
    }
    Principal p;
    char refresh[AUTH_SESSION_TOKEN_LEN + 1];
    if ((r = auth_principal_load(conn, user_id, &p)) < 0 ||
        (r = auth_session_create(conn, user_id, "login", ctx->auth->settings.refresh_ttl_s,
                                 (int64_t)time(NULL), refresh)) < 0)
        goto out_release;
    r = native_auth_issue(req, res, 200, &p, refresh, json_is_true(cookie));
    sodium_memzero(refresh, sizeof(refresh));
out_release:
    db_release(conn);
out_body:
    json_decref(body); /* jansson does not wipe; the password lived in the request arena too */
    return r;
}

/* The refresh token of a refresh or logout: the body's refreshToken, else the cookie (then
 * *ret_cookie is set and the CSRF header is required). Returns 1 when it answered. */
static int native_auth_refresh_token(HttpRequest *req, HttpResponse *res,
                                     char out[AUTH_SESSION_TOKEN_LEN + 2], bool *ret_cookie)
{
    json_t *body = native_auth_body(req, res);
    if (!body)
        return 1;
    const char *t = native_auth_str(body, "refreshToken", AUTH_SESSION_TOKEN_LEN + 1);
    int rc = 0;
    *ret_cookie = false;
    if (t) {
        str_copy(out, t, AUTH_SESSION_TOKEN_LEN + 2);
    } else if (json_object_get(body, "refreshToken")) {
        rc = 1;
        api_error(req, res, 400, "bad_request", "refreshToken must be a string");
    } else if (api_auth_cookie(req, API_AUTH_COOKIE_REFRESH, out, AUTH_SESSION_TOKEN_LEN + 2) ==
               0) {
        *ret_cookie = true;
        if (!api_auth_csrf_ok(req)) {
            rc = 1;
            api_error(req, res, 403, "csrf_failed",
                      "cookie-authenticated writes need the X-CSRF-Token header");
        }
    } else {
        out[0] = '\0';
    }
    json_decref(body);
    return rc;
}

int native_auth_refresh(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    char token[AUTH_SESSION_TOKEN_LEN + 2];
    bool from_cookie;
    if (native_auth_refresh_token(req, res, token, &from_cookie))
        return 0;
    const char *client = api_auth_client_addr(req);
    if (api_auth_limited(req, res, AUTH_RATELIMIT_ADDRESS, client))
        return 0;
    DbConn *conn;
    int r = db_acquire(ctx->db, &conn);
    if (r < 0)
        goto out_wipe;
    char user_id[AUTH_PRINCIPAL_ID_BYTES + 1];
    char next[AUTH_SESSION_TOKEN_LEN + 1];
    Principal p;
    r = auth_session_rotate(conn, token, ctx->auth->settings.refresh_ttl_s, (int64_t)time(NULL),
                            user_id, next);
    if (r == 0 && (r = auth_principal_load(conn, user_id, &p)) == ERR_AUTH)
        auth_session_revoke_user(conn, user_id); /* disabled or deleted meanwhile */
    if (r == ERR_AUTH) {
        api_auth_failed(req, AUTH_RATELIMIT_ADDRESS, client);
        if (from_cookie)
            native_auth_clear_cookies(req, res);
        r = api_error(req, res, 401, "invalid_refresh_token",
                      "the refresh token is unknown, expired or revoked; sign in again");
        goto out_release;
    }
    if (r == 0)
        r = native_auth_issue(req, res, 200, &p, next, from_cookie);
    sodium_memzero(next, sizeof(next));
out_release:
    db_release(conn);
out_wipe:
    sodium_memzero(token, sizeof(token));
    return r;
}

int native_auth_logout(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    char token[AUTH_SESSION_TOKEN_LEN + 2];
    bool from_cookie;
    if (native_auth_refresh_token(req, res, token, &from_cookie))
        return 0;
    DbConn *conn;
    int r = db_acquire(ctx->db, &conn);
    if (r == 0) {
        r = token[0] ? auth_session_revoke_family(conn, token) : 0;
        db_release(conn);
    }
    sodium_memzero(token, sizeof(token));
    if (r < 0)
        return r;
    native_auth_clear_cookies(req, res);
    http_response_status(res, 204);
    return 0;
}

int native_auth_logout_all(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    const Principal *p = api_auth_principal(req);
    DbConn *conn;
    int r = db_acquire(ctx->db, &conn);
    if (r < 0)
        return r;
    r = auth_session_revoke_user(conn, p->user_id);
    db_release(conn);
    if (r < 0)
        return r;
    native_auth_clear_cookies(req, res);
    http_response_status(res, 204);
    return 0;
}

static const char *native_auth_method_name(AuthMethod m)
{
    switch (m) {
    case AUTH_METHOD_TOKEN:
        return "token";
    case AUTH_METHOD_COOKIE:
        return "cookie";
    case AUTH_METHOD_API_KEY:
        return "apiKey";
    case AUTH_METHOD_SUBSONIC:
        return "subsonic";
    case AUTH_METHOD_PROXY:
        return "proxy";
    }
    return "token";
}

int native_auth_me(HttpRequest *req, HttpResponse *res)
{
    const Principal *p = api_auth_principal(req);
    json_t *body = json_pack("{s:s, s:o, s:b, s:b, s:b, s:b, s:i, s:s}", "id", p->user_id,
                             "username", api_json_string(req, p->username), "isAdmin", p->is_admin,
                             "mayUpload", p->may_upload, "mayShare", p->may_share, "mayDownload",
                             p->may_download, "maxBitrate", p->max_bitrate_kbps, "authMethod",
                             native_auth_method_name(p->method));
    return api_json_respond(req, res, 200, body);
}

int native_auth_password(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    const Principal *p = api_auth_principal(req);
    json_t *body = native_auth_body(req, res);
    if (!body)
        return 0;
    const char *current = native_auth_str(body, "currentPassword", LIMIT_PASSWORD_BYTES);
    const char *next = native_auth_str(body, "newPassword", LIMIT_PASSWORD_BYTES + 1);
    int r = 0;
    if (!current || !next) {
        r = api_error(req, res, 400, "bad_request",
                      "expected {\"currentPassword\": string, \"newPassword\": string}");
        goto out_body;
    }
    DbConn *conn;
    if ((r = db_acquire(ctx->db, &conn)) < 0)
        goto out_body;
    char user_id[AUTH_PRINCIPAL_ID_BYTES + 1];
    r = native_auth_check(req, res, conn, NULL, p->user_id, current, 403, user_id);
    if (r != 0) {
        r = r > 0 ? 0 : r;
        goto out_release;
    }
    r = auth_user_set_password(conn, p->username, next);
    if (r == -EINVAL) {
        r = api_error(req, res, 400, "bad_password", "the new password must be 8 to 1024 bytes");
        goto out_release;
    }
    if (r == 0 && (r = auth_session_revoke_user(conn, p->user_id)) == 0) {
        log_info("auth: %s changed their password; their sessions were revoked", p->username);
        http_response_status(res, 204);
    }
out_release:
    db_release(conn);
out_body:
    json_decref(body);
    return r;
}

int native_auth_setup_status(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    DbConn *conn = NULL;
    int64_t n = 0;
    int r = db_acquire(ctx->db, &conn);
    if (r == 0) {
        r = auth_user_count(conn, &n);
        db_release(conn);
    }
    if (r < 0)
        return api_error_from(req, res, r);
    return api_json_respond(req, res, 200, json_pack("{s:b}", "needed", n == 0));
}

int native_auth_setup(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    const char *client = api_auth_client_addr(req);
    if (api_auth_limited(req, res, AUTH_RATELIMIT_ADDRESS, client))
        return 0;
    json_t *body = native_auth_body(req, res);
    if (!body)
        return 0;
    const char *username = native_auth_str(body, "username", LIMIT_USERNAME_BYTES);
    const char *password = native_auth_str(body, "password", LIMIT_PASSWORD_BYTES + 1);
    int r = 0;
    DbConn *conn = NULL;
    if (!username || !password) {
        r = api_error(req, res, 400, "bad_request",
                      "expected {\"username\": string, \"password\": string}");
        goto out_body;
    }
    if ((r = db_acquire(ctx->db, &conn)) < 0)
        goto out_body;
    int64_t n;
    if ((r = auth_user_count(conn, &n)) < 0)
        goto out_release;
    if (n > 0) {
        api_auth_failed(req, AUTH_RATELIMIT_ADDRESS, client);
        r = api_error(req, res, 409, "already_set_up", "the server already has users");
        goto out_release;
    }
    r = auth_user_add(conn, username, password, true);
    if (r == -EINVAL) {
        r = api_error(req, res, 400, "bad_request",
                      "usernames are 1-64 of A-Z a-z 0-9 . _ @ -; passwords 8-1024 bytes");
        goto out_release;
    }
    if (r == ERR_CONFLICT) {
        r = api_error(req, res, 409, "already_set_up", "the server already has users");
        goto out_release;
    }
    char user_id[AUTH_PRINCIPAL_ID_BYTES + 1];
    char refresh[AUTH_SESSION_TOKEN_LEN + 1];
    Principal p;
    if (r < 0 || (r = auth_principal_find(conn, username, user_id)) < 0 ||
        (r = auth_principal_load(conn, user_id, &p)) < 0 ||
        (r = auth_session_create(conn, user_id, "setup", ctx->auth->settings.refresh_ttl_s,
                                 (int64_t)time(NULL), refresh)) < 0)
        goto out_release;
    log_info("auth: first administrator %s created through /api/auth/setup", p.username);
    r = native_auth_issue(req, res, 201, &p, refresh, false);
    sodium_memzero(refresh, sizeof(refresh));
out_release:
    db_release(conn);
out_body:
    json_decref(body);
    return r;
}

int native_auth_stream_token(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    const Principal *p = api_auth_principal(req);
    int64_t now = (int64_t)time(NULL);
    AuthJwtClaims c = {0};
    str_copy(c.sub, p->user_id, sizeof(c.sub));
    str_copy(c.name, p->username, sizeof(c.name));
    c.adm = false; /* a media token never carries admin rights */
    c.iat = now;
    c.exp = now + ctx->auth->settings.stream_ttl_s;
    str_copy(c.scp, "media", sizeof(c.scp));
    char token[LIMIT_AUTH_TOKEN_BYTES];
    int r = auth_jwt_sign(ctx->keys->jwt_key, &c, token, sizeof(token));
    if (r < 0)
        return r;
    json_t *body =
        json_pack("{s:s, s:i}", "token", token, "expiresIn", (int)ctx->auth->settings.stream_ttl_s);
    sodium_memzero(token, sizeof(token));
    return api_json_respond(req, res, 200, body);
}
