/*
 * native_covers.c - the cover art endpoint: negotiation, validators, cache, placeholder.
 *
 * The ETag names the source version (size and mtime of the source file, stat()ed per
 * request), the edge and the format. A revalidation of a cached rendition costs one query,
 * one stat() and one open(); rendering happens in library_cover.c on a cache miss, on this
 * server thread. Validators are set only once the rendition exists, so an undecodable source
 * never gets a real cover's ETag.
 */
#include "api/native/native_covers.h"

#include "api/api.h"
#include "api/api_error.h"
#include "api/api_request.h"
#include "api/native/native_users.h"
#include "core/err.h"
#include "core/str.h"
#include "library/library_cover.h"
#include "media/media_image.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define NATIVE_COVER_EDGE_DEFAULT      512
#define NATIVE_COVER_CACHE_REAL        "public, max-age=31536000, immutable"
#define NATIVE_COVER_CACHE_PLACEHOLDER "public, max-age=3600"

static bool native_cover_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* True if the Accept header lists image/webp with a non-zero q (a bare wildcard gets JPEG:
 * every client decodes it). */
static bool native_cover_wants_webp(const char *accept)
{
    if (!accept)
        return false;
    const char *p = accept;
    while (*p) {
        while (native_cover_ows(*p) || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ';' && !native_cover_ows(*p))
            p++;
        size_t n = (size_t)(p - start);
        bool match = (n == 10 && strncasecmp(start, "image/webp", 10) == 0);
        bool zero = false;
        while (*p && *p != ',') {
            if (*p == ';') {
                p++;
                while (native_cover_ows(*p))
                    p++;
                if ((*p == 'q' || *p == 'Q') && p[1] == '=')
                    zero = strtod(p + 2, NULL) <= 0.0;
                continue;
            }
            p++;
        }
        if (match && !zero)
            return true;
    }
    return false;
}

/* True if the If-None-Match list `header` holds `etag` (weak comparison) or is "*". */
static bool native_cover_none_match(const char *header, const char *etag)
{
    size_t etag_len = strlen(etag);
    const char *p = header;
    while (*p) {
        while (native_cover_ows(*p) || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && native_cover_ows(end[-1]))
            end--;
        size_t len = (size_t)(end - start);
        if (len == 1 && start[0] == '*')
            return true;
        if (len >= 2 && start[0] == 'W' && start[1] == '/') {
            start += 2;
            len -= 2;
        }
        if (len == etag_len && memcmp(start, etag, len) == 0)
            return true;
    }
    return false;
}

/* Sets the validators; answers 304 when the client has this version. Returns 1 when the
 * answer is complete (304), 0 to go on, or a negative errno. */
static int native_cover_validators(HttpRequest *req, HttpResponse *res, const char *etag,
                                   const char *cache_control)
{
    int r = http_response_header(res, "ETag", etag);
    if (r == 0)
        r = http_response_header(res, "Cache-Control", cache_control);
    if (r == 0)
        r = http_response_header(res, "Vary", "Accept");
    if (r < 0)
        return r;
    const char *inm = http_request_header(req, "If-None-Match");
    if (inm && native_cover_none_match(inm, etag)) {
        http_response_status(res, 304);
        return 1;
    }
    return 0;
}

/* Answers with the placeholder, from the cache or, if the cache cannot be written, drawn
 * into the request arena. Returns 0. */
static int native_cover_placeholder(HttpRequest *req, HttpResponse *res, int edge,
                                    MediaImageFormat fmt)
{
    const ApiContext *ctx = req->app;
    const char *etag = arena_printf(req->arena, "\"p1-%d-%s\"", edge, media_image_extension(fmt));
    if (!etag)
        return api_error_from(req, res, -ENOMEM);
    int r = native_cover_validators(req, res, etag, NATIVE_COVER_CACHE_PLACEHOLDER);
    if (r != 0)
        return r < 0 ? api_error_from(req, res, r) : 0;
    int fd;
    uint64_t len;
    r = library_cover_placeholder_open(ctx->data_dir, edge, fmt, &fd, &len);
    if (r == 0) {
        r = http_response_fd(res, media_image_content_type(fmt), fd, 0, len);
        return r < 0 ? api_error_from(req, res, r) : 0;
    }
    void *img;
    size_t img_len;
    r = media_image_placeholder(edge, fmt, &img, &img_len);
    if (r < 0)
        return api_error_from(req, res, r);
    void *copy = arena_alloc(req->arena, img_len);
    if (copy)
        memcpy(copy, img, img_len);
    media_image_free(img);
    if (!copy)
        return api_error_from(req, res, -ENOMEM);
    r = http_response_body(res, media_image_content_type(fmt), copy, img_len);
    return r < 0 ? api_error_from(req, res, r) : 0;
}

/* True for the errors that mean "this source gives no cover". */
static bool native_cover_source_error(int r)
{
    return r == -ENOENT || r == -EACCES || r == ERR_LIMIT || r == ERR_PARSE || r == ERR_MEDIA;
}

int native_covers_get(HttpRequest *req, HttpResponse *res)
{
    int64_t want = NATIVE_COVER_EDGE_DEFAULT;
    const char *s = http_request_query(req, "size");
    if (s && str_to_int64(s, 1, INT64_MAX, &want) < 0)
        return api_error(req, res, 400, "bad_request", "size must be a positive integer");
    return native_covers_respond(req, res, req->params[0], want);
}

int native_covers_respond(HttpRequest *req, HttpResponse *res, const char *id, int64_t want)
{
    const ApiContext *ctx = req->app;
    int edge = library_cover_snap(want);
    MediaImageFormat fmt = native_cover_wants_webp(http_request_header(req, "Accept"))
                               ? MEDIA_IMAGE_WEBP
                               : MEDIA_IMAGE_JPEG;

    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    LibraryCover cover;
    int r = library_cover_get_scoped(conn, req->arena, native_users_scope(req), id, &cover);
    db_release(conn);
    if (native_cover_source_error(r))
        return native_cover_placeholder(req, res, edge, fmt);
    if (r < 0)
        return api_error_from(req, res, r);

    const char *version = library_cover_version(req->arena, &cover);
    const char *etag = version ? arena_printf(req->arena, "\"c1-%d-%s-%s\"", edge, version,
                                              media_image_extension(fmt))
                               : NULL;
    if (!etag)
        return api_error_from(req, res, -ENOMEM);
    int fd;
    uint64_t len;
    r = library_cover_open(ctx->data_dir, &cover, edge, fmt, &fd, &len);
    if (native_cover_source_error(r))
        return native_cover_placeholder(req, res, edge, fmt);
    if (r < 0)
        return api_error_from(req, res, r);
    r = native_cover_validators(req, res, etag, NATIVE_COVER_CACHE_REAL);
    if (r != 0) {
        close(fd);
        return r < 0 ? api_error_from(req, res, r) : 0;
    }
    r = http_response_fd(res, media_image_content_type(fmt), fd, 0, len);
    return r < 0 ? api_error_from(req, res, r) : 0;
}
