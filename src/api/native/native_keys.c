/* native_keys.c - API keys and the Subsonic app password of the caller. */
#include "api/native/native_keys.h"

#include "api/api.h"
#include "api/api_auth.h"
#include "api/api_error.h"
#include "api/api_json.h"
#include "api/api_request.h"
#include "auth/auth_apikey.h"
#include "auth/auth_subsonic.h"
#include "core/err.h"
#include "core/str.h"

#include <jansson.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

/* The caller and a connection; answers 401 / 503 itself. */
static int native_keys_begin(HttpRequest *req, HttpResponse *res, const Principal **ret_p,
                             DbConn **ret_conn)
{
    const Principal *p = api_auth_principal(req);
    if (!p) {
        api_error(req, res, 401, "unauthorized", "sign in first");
        return ERR_AUTH;
    }
    int r = api_conn(req, res, ret_conn);
    if (r < 0)
        return r;
    *ret_p = p;
    return 0;
}

static json_t *native_keys_json(HttpRequest *req, const AuthApiKey *k)
{
    return json_pack("{s:o, s:o, s:I, s:o}", "id", api_json_string(req, k->id), "name",
                     api_json_string(req, k->name), "createdAt", (json_int_t)k->created_at,
                     "lastUsedAt", k->last_used_at ? json_integer(k->last_used_at) : json_null());
}

typedef struct KeyList {
    HttpRequest *req;
    json_t *items;
} KeyList;

static int native_keys_add(void *ctx, const AuthApiKey *k)
{
    KeyList *l = ctx;
    json_t *o = native_keys_json(l->req, k);
    if (!o)
        return -ENOMEM;
    json_array_append_new(l->items, o);
    return 0;
}

int native_keys_list(HttpRequest *req, HttpResponse *res)
{
    const Principal *p;
    DbConn *conn;
    if (native_keys_begin(req, res, &p, &conn) < 0)
        return 0;
    KeyList l = {req, json_array()};
    int r = l.items ? auth_apikey_list(conn, p->user_id, native_keys_add, &l) : -ENOMEM;
    db_release(conn);
    if (r < 0) {
        json_decref(l.items);
        return api_error_from(req, res, r);
    }
    return api_paged(req, res, l.items, NULL);
}

int native_keys_create(HttpRequest *req, HttpResponse *res)
{
    json_t *body =
        req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    json_t *name = json_object_get(body, "name");
    if (!json_is_object(body) || json_object_size(body) != 1 || !json_is_string(name)) {
        json_decref(body);
        return api_error(req, res, 400, "bad_request", "the body must be {\"name\": string}");
    }
    const Principal *p;
    DbConn *conn;
    if (native_keys_begin(req, res, &p, &conn) < 0) {
        json_decref(body);
        return 0;
    }
    AuthApiKey k = {0};
    char key[AUTH_APIKEY_LEN + 1];
    int r = auth_apikey_create(conn, p->user_id, json_string_value(name), k.id, key);
    db_release(conn);
    if (r == 0)
        str_copy(k.name, json_string_value(name), sizeof(k.name));
    json_decref(body);
    if (r == -EINVAL)
        return api_error(req, res, 400, "bad_request", "the name must be 1..128 printable bytes");
    if (r == ERR_LIMIT)
        return api_error(req, res, 400, "limit_exceeded", "too many API keys; revoke one first");
    if (r < 0)
        return api_error_from(req, res, r);
    k.created_at = (int64_t)time(NULL);
    json_t *o = native_keys_json(req, &k);
    if (o)
        json_object_set_new(o, "key", json_string(key));
    sodium_memzero(key, sizeof(key));
    return api_json_respond(req, res, 201, o);
}

int native_keys_delete(HttpRequest *req, HttpResponse *res)
{
    const Principal *p;
    DbConn *conn;
    if (native_keys_begin(req, res, &p, &conn) < 0)
        return 0;
    int r = auth_apikey_delete(conn, p->user_id, req->params[0]);
    db_release(conn);
    if (r < 0)
        return api_error_from(req, res, r);
    http_response_status(res, 204);
    return 0;
}

int native_keys_app_password_create(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    if (!ctx->keys)
        return api_error(req, res, 503, "unavailable", "the server has no app-password key");
    const Principal *p;
    DbConn *conn;
    if (native_keys_begin(req, res, &p, &conn) < 0)
        return 0;
    char pw[AUTH_SUBSONIC_APP_PASSWORD_LEN + 1];
    int r = auth_subsonic_app_password_set(conn, ctx->keys->app_password_key, p->user_id, pw);
    db_release(conn);
    if (r < 0)
        return api_error_from(req, res, r);
    json_t *o = json_pack("{s:s}", "password", pw);
    sodium_memzero(pw, sizeof(pw));
    return api_json_respond(req, res, 201, o);
}

int native_keys_app_password_delete(HttpRequest *req, HttpResponse *res)
{
    const Principal *p;
    DbConn *conn;
    if (native_keys_begin(req, res, &p, &conn) < 0)
        return 0;
    int r = auth_subsonic_app_password_clear(conn, p->user_id);
    db_release(conn);
    if (r < 0)
        return api_error_from(req, res, r);
    http_response_status(res, 204);
    return 0;
}
