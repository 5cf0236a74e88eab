/*
 * native_avatars.c - avatar endpoints: the Content-Type and size checks at the edge, then
 * library_avatar.c (which sniffs the bytes and lets the decoder check them again).
 */
#include "api/native/native_avatars.h"

#include "api/api.h"
#include "api/api_auth.h"
#include "api/api_error.h"
#include "api/api_json.h"
#include "api/api_request.h"
#include "core/err.h"
#include "core/limits.h"
#include "http/http_file.h"
#include "library/library_avatar.h"

#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define NATIVE_AVATAR_CACHE "private, no-cache" /* kept, but revalidated: one URL per user */

/* Maps a Content-Type header to the MIME type we accept, or NULL. */
static const char *native_avatar_declared(const char *content_type)
{
    static const struct {
        const char *name;
        const char *mime;
    } types[] = {
        {"image/jpeg", "image/jpeg"},
        {"image/jpg", "image/jpeg"},
        {"image/png", "image/png"},
        {"image/webp", "image/webp"},
    };
    if (!content_type)
        return NULL;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    size_t n = strcspn(content_type, "; \t");
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strlen(types[i].name) == n && strncasecmp(content_type, types[i].name, n) == 0)
            return types[i].mime;
    }
    return NULL;
}

int native_avatars_put(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    const Principal *p = api_auth_principal(req);
    if (!p)
        return api_error(req, res, 401, "unauthorized", "log in first");
    const char *declared = native_avatar_declared(http_request_header(req, "Content-Type"));
    if (!declared)
        return api_error(req, res, 415, "unsupported_media_type",
                         "Content-Type must be image/jpeg, image/png or image/webp");
    if (req->body_len > LIMIT_AVATAR_BYTES)
        return api_error(req, res, 413, "payload_too_large", "the image is too large");
    const char *sniffed;
    if (!req->body || req->body_len == 0 ||
        library_avatar_sniff(req->body, req->body_len, &sniffed) < 0)
        return api_error(req, res, 400, "bad_request", "the body is not a JPEG, PNG or WebP image");
    if (strcmp(sniffed, declared) != 0)
        return api_error(req, res, 400, "bad_request",
                         "the image's content does not match its Content-Type");

    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    int64_t now = (int64_t)time(NULL);
    int r = library_avatar_set(conn, ctx->data_dir, p->user_id, req->body, req->body_len, now);
    db_release(conn);
    switch (r) {
    case 0:
        break;
    case ERR_PARSE:
    case ERR_MEDIA:
        return api_error(req, res, 400, "bad_request", "the image cannot be decoded");
    case ERR_LIMIT:
        return api_error(req, res, 400, "limit_exceeded", "the image has too many pixels");
    default:
        return api_error_from(req, res, r);
    }
    const char *url = arena_printf(req->arena, "/api/users/%s/avatar", p->user_id);
    return api_json_respond(
        req, res, 200,
        json_pack("{s:o, s:I}", "url", api_json_string(req, url), "updatedAt", (json_int_t)now));
}

/* Removes the avatar of `user_id`; answers. */
static int native_avatar_remove(HttpRequest *req, HttpResponse *res, const char *user_id)
{
    const ApiContext *ctx = req->app;
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    int r = library_avatar_delete(conn, ctx->data_dir, user_id);
    db_release(conn);
    if (r < 0)
        return api_error_from(req, res, r);
    http_response_status(res, 204);
    return 0;
}

int native_avatars_delete_mine(HttpRequest *req, HttpResponse *res)
{
    const Principal *p = api_auth_principal(req);
    if (!p)
        return api_error(req, res, 401, "unauthorized", "log in first");
    return native_avatar_remove(req, res, p->user_id);
}

int native_avatars_delete(HttpRequest *req, HttpResponse *res)
{
    return native_avatar_remove(req, res, req->params[0]);
}

int native_avatars_get(HttpRequest *req, HttpResponse *res)
{
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    int r = native_avatars_respond(req, res, conn, req->params[0]);
    db_release(conn);
    if (r == -ENOENT)
        return api_error(req, res, 404, "not_found", "this user has no avatar");
    return r < 0 ? api_error_from(req, res, r) : 0;
}

int native_avatars_respond(HttpRequest *req, HttpResponse *res, DbConn *conn, const char *user_id)
{
    const ApiContext *ctx = req->app;
    LibraryAvatar avatar;
    int r = library_avatar_get(conn, req->arena, ctx->data_dir, user_id, &avatar);
    if (r < 0)
        return r;
    int fd = open(avatar.path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -ENOENT;
    return http_file_respond(req, res, fd, avatar.mime, NATIVE_AVATAR_CACHE);
}
