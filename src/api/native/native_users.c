/* native_users.c - account administration and the caller's own account. */
#include "api/native/native_users.h"

#include "api/api_auth.h"
#include "api/api_error.h"
#include "api/api_json.h"
#include "api/api_request.h"
#include "auth/auth_user.h"
#include "core/err.h"
#include "core/limits.h"

#include <jansson.h>
#include <string.h>

const LibraryScope *native_users_scope(const HttpRequest *req)
{
    static const LibraryScope every = {.all = true, .ids = NULL, .n = 0};
    static const LibraryScope nothing = {.all = false, .ids = NULL, .n = 0};
    const Principal *p = api_auth_principal(req);
    if (!p || p->all_libraries)
        return &every;
    LibraryScope *s = arena_calloc(req->arena, 1, sizeof(*s));
    if (!s)
        return &nothing; /* out of memory must not widen what the user sees */
    s->all = false;
    s->ids = p->library_ids;
    s->n = p->n_library_ids;
    return s;
}

static json_t *native_user_json(HttpRequest *req, const AuthUser *u)
{
    json_t *libs = json_array();
    for (size_t i = 0; libs && i < u->n_library_ids; i++)
        json_array_append_new(libs, json_integer(u->library_ids[i]));
    if (!libs)
        return NULL;
    return json_pack("{s:o, s:o, s:b, s:b, s:I, s:b, s:b, s:b, s:b, s:o, s:o, s:b, s:I}", "id",
                     api_json_string(req, u->id), "username", api_json_string(req, u->username),
                     "admin", u->is_admin, "disabled", u->disabled, "maxBitrate",
                     (json_int_t)u->max_bitrate, "mayUpload", u->may_upload, "mayShare",
                     u->may_share, "mayDownload", u->may_download, "allLibraries", u->all_libraries,
                     "libraryIds", libs, "email", api_json_string(req, u->email), "hasAppPassword",
                     u->has_app_password, "createdAt", (json_int_t)u->created_at);
}

static int native_users_flag(json_t *v, int *out)
{
    if (!json_is_boolean(v))
        return -EINVAL;
    *out = json_is_true(v) ? 1 : 0;
    return 0;
}

/* Fills `c` from `body`. Only the keys of `allowed` (NULL-terminated) are accepted. Writes
 * a message for a 400 into *ret_msg. Strings are borrowed from `body`. */
static int native_users_parse(json_t *body, const char *const *allowed, AuthUserChange *c,
                              int64_t libs[LIMIT_MUSIC_DIRS], const char **ret_msg)
{
    auth_user_change_init(c);
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        bool known = false;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = strcmp(allowed[i], key) == 0;
        if (!known) {
            *ret_msg = "unknown field in the body";
            return -EINVAL;
        }
        int r = 0;
        if (strcmp(key, "username") == 0) {
            r = json_is_string(v) ? 0 : -EINVAL;
            c->username = json_string_value(v);
        } else if (strcmp(key, "password") == 0) {
            r = json_is_string(v) ? 0 : -EINVAL;
            c->password = json_string_value(v);
        } else if (strcmp(key, "email") == 0) {
            r = json_is_string(v) ? 0 : -EINVAL;
            c->email = json_string_value(v);
        } else if (strcmp(key, "admin") == 0) {
            r = native_users_flag(v, &c->is_admin);
        } else if (strcmp(key, "disabled") == 0) {
            r = native_users_flag(v, &c->disabled);
        } else if (strcmp(key, "mayUpload") == 0) {
            r = native_users_flag(v, &c->may_upload);
        } else if (strcmp(key, "mayShare") == 0) {
            r = native_users_flag(v, &c->may_share);
        } else if (strcmp(key, "mayDownload") == 0) {
            r = native_users_flag(v, &c->may_download);
        } else if (strcmp(key, "allLibraries") == 0) {
            r = native_users_flag(v, &c->all_libraries);
        } else if (strcmp(key, "maxBitrate") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                json_integer_value(v) > AUTH_USER_BITRATE_MAX)
                r = -EINVAL;
            else
                c->max_bitrate = json_integer_value(v);
        } else if (strcmp(key, "libraryIds") == 0) {
            if (!json_is_array(v) || json_array_size(v) > LIMIT_MUSIC_DIRS) {
                r = -EINVAL;
            } else {
                size_t i;
                json_t *e;
                json_array_foreach(v, i, e)
                {
                    if (!json_is_integer(e)) {
                        r = -EINVAL;
                        break;
                    }
                    libs[i] = json_integer_value(e);
                }
                c->set_libraries = true;
                c->library_ids = libs;
                c->n_library_ids = json_array_size(v);
            }
        }
        if (r < 0) {
            *ret_msg = "a field has the wrong type or value";
            return r;
        }
    }
    return 0;
}

/* Answers the error of a create/update/delete. Returns 0. */
static int native_users_error(HttpRequest *req, HttpResponse *res, int r)
{
    switch (r) {
    case -EINVAL:
        return api_error(req, res, 400, "bad_request",
                         "bad username, password (at least 8 characters), e-mail or library id");
    case ERR_CONFLICT:
        return api_error(req, res, 409, "conflict", "that username is taken");
    case AUTH_USER_LAST_ADMIN:
        return api_error(req, res, 409, "last_admin",
                         "the last enabled administrator cannot be demoted, disabled or deleted");
    default:
        return api_error_from(req, res, r);
    }
}

/* Answers user `id` as JSON with `status`. */
static int native_users_respond(HttpRequest *req, HttpResponse *res, DbConn *conn, const char *id,
                                int status)
{
    AuthUser u;
    int r = auth_user_get(conn, id, &u);
    db_release(conn);
    if (r < 0)
        return api_error_from(req, res, r);
    return api_json_respond(req, res, status, native_user_json(req, &u));
}

typedef struct UserList {
    HttpRequest *req;
    json_t *items;
} UserList;

static int native_users_add(void *ctx, const AuthUser *u)
{
    UserList *l = ctx;
    json_t *o = native_user_json(l->req, u);
    if (!o)
        return -ENOMEM;
    json_array_append_new(l->items, o);
    return 0;
}

int native_users_list(HttpRequest *req, HttpResponse *res)
{
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    UserList l = {req, json_array()};
    int r = l.items ? auth_user_list(conn, native_users_add, &l) : -ENOMEM;
    /* The list has no library ids: read each user whole (accounts are few). */
    for (size_t i = 0; r == 0 && i < json_array_size(l.items); i++) {
        json_t *o = json_array_get(l.items, i);
        AuthUser u;
        json_t *full = NULL;
        if ((r = auth_user_get(conn, json_string_value(json_object_get(o, "id")), &u)) == 0 &&
            !(full = native_user_json(req, &u)))
            r = -ENOMEM;
        if (full)
            json_array_set_new(l.items, i, full);
    }
    db_release(conn);
    if (r < 0) {
        json_decref(l.items);
        return api_error_from(req, res, r);
    }
    return api_paged(req, res, l.items, NULL);
}

static const char *const native_users_fields[] = {
    "username", "password",    "admin",        "disabled",   "maxBitrate", "mayUpload",
    "mayShare", "mayDownload", "allLibraries", "libraryIds", "email",      NULL};

int native_users_create(HttpRequest *req, HttpResponse *res)
{
    json_t *body;
    if (api_body_object(req, res, &body) < 0)
        return 0;
    AuthUserChange c;
    int64_t libs[LIMIT_MUSIC_DIRS];
    const char *msg = "";
    int r = native_users_parse(body, native_users_fields, &c, libs, &msg);
    if (r < 0) {
        json_decref(body);
        return api_error(req, res, 400, "bad_request", msg);
    }
    if (!c.username || !c.password) {
        json_decref(body);
        return api_error(req, res, 400, "bad_request", "username and password are required");
    }
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0) {
        json_decref(body);
        return 0;
    }
    char id[AUTH_USER_ID_LEN + 1];
    r = auth_user_create(conn, c.username, c.password, c.is_admin == 1, &c, id);
    json_decref(body);
    if (r < 0) {
        db_release(conn);
        return native_users_error(req, res, r);
    }
    return native_users_respond(req, res, conn, id, 201);
}

int native_users_get(HttpRequest *req, HttpResponse *res)
{
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    return native_users_respond(req, res, conn, req->params[0], 200);
}

/* Applies the fields of the body allowed by `allowed` to user `id` and answers the user. */
static int native_users_change(HttpRequest *req, HttpResponse *res, const char *id,
                               const char *const *allowed)
{
    json_t *body;
    if (api_body_object(req, res, &body) < 0)
        return 0;
    AuthUserChange c;
    int64_t libs[LIMIT_MUSIC_DIRS];
    const char *msg = "";
    int r = native_users_parse(body, allowed, &c, libs, &msg);
    if (r < 0) {
        json_decref(body);
        return api_error(req, res, 400, "bad_request", msg);
    }
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0) {
        json_decref(body);
        return 0;
    }
    r = auth_user_update(conn, id, &c);
    json_decref(body);
    if (r < 0) {
        db_release(conn);
        return native_users_error(req, res, r);
    }
    return native_users_respond(req, res, conn, id, 200);
}

int native_users_patch(HttpRequest *req, HttpResponse *res)
{
    return native_users_change(req, res, req->params[0], native_users_fields);
}

int native_users_delete(HttpRequest *req, HttpResponse *res)
{
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    int r = auth_user_delete_id(conn, req->params[0]);
    db_release(conn);
    if (r < 0)
        return native_users_error(req, res, r);
    http_response_status(res, 204);
    return 0;
}

/* The caller's id; answers 401 itself when there is no Principal. */
static const char *native_users_self(HttpRequest *req, HttpResponse *res)
{
    const Principal *p = api_auth_principal(req);
    if (!p) {
        api_error(req, res, 401, "unauthorized", "sign in first");
        return NULL;
    }
    return p->user_id;
}

int native_users_me_get(HttpRequest *req, HttpResponse *res)
{
    const char *id = native_users_self(req, res);
    if (!id)
        return 0;
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    return native_users_respond(req, res, conn, id, 200);
}

int native_users_me_patch(HttpRequest *req, HttpResponse *res)
{
    static const char *const own_fields[] = {"email", NULL};
    const char *id = native_users_self(req, res);
    if (!id)
        return 0;
    return native_users_change(req, res, id, own_fields);
}
