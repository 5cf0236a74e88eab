/*
 * http_request.c - the accessors a handler uses on HttpRequest and HttpResponse.
 *
 * A response is only a description (status, headers, one body) kept in the request arena;
 * http_server.c turns it into a libmicrohttpd response after the handler returns. The
 * request's `impl` is its MHD_Connection (NULL in tests that build a request by hand).
 */
#include "http/http_internal.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *http_request_header(const HttpRequest *req, const char *name)
{
    if (!req->impl)
        return NULL;
    return MHD_lookup_connection_value((struct MHD_Connection *)req->impl, MHD_HEADER_KIND, name);
}

const char *http_request_query(const HttpRequest *req, const char *name)
{
    return http_params_get(&req->query, name);
}

void http_response_init(HttpResponse *res, Arena *arena)
{
    memset(res, 0, sizeof(*res));
    res->arena = arena;
    res->status = 200;
    res->tail = &res->headers;
    res->fd = -1;
}

void http_response_drop_body(HttpResponse *res)
{
    if (res->fd >= 0)
        close(res->fd);
    if (res->release)
        res->release(res->release_cls);
    res->release = NULL;
    res->release_cls = NULL;
    http_live_abandon(res->live); /* never attached: its producer must stop */
    res->fd = -1;
    res->live = NULL;
    res->kind = HTTP_BODY_NONE;
    res->data = NULL;
    res->length = 0;
    res->offset = 0;
    res->content_type = NULL;
}

void http_response_clear(HttpResponse *res)
{
    http_response_drop_body(res);
    res->headers = NULL;
    res->tail = &res->headers;
}

void http_response_status(HttpResponse *res, int status)
{
    res->status = status;
}

/* Makes a header line in the arena, not linked yet; the strings are the caller's. */
static HttpHeaderLine *response_line(HttpResponse *res, const char *name, const char *value)
{
    HttpHeaderLine *line = arena_alloc(res->arena, sizeof(*line));
    if (!line)
        return NULL;
    line->name = name;
    line->value = value;
    line->next = NULL;
    return line;
}

static void response_link(HttpResponse *res, HttpHeaderLine *line)
{
    *res->tail = line;
    res->tail = &line->next;
}

int http_response_header(HttpResponse *res, const char *name, const char *value)
{
    if (name[0] == '\0' || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
        return -EINVAL;
    const char *n = arena_strdup(res->arena, name), *v = arena_strdup(res->arena, value);
    HttpHeaderLine *line = n && v ? response_line(res, n, v) : NULL;
    if (!line)
        return -ENOMEM;
    response_link(res, line);
    return 0;
}

/* Copies the content type for a new body. Returns 0 or -ENOMEM. */
static int response_content_type(HttpResponse *res, const char *content_type, const char **ret_type)
{
    const char *copy = NULL;
    if (content_type) {
        if (strpbrk(content_type, "\r\n"))
            return -EINVAL;
        copy = arena_strdup(res->arena, content_type);
        if (!copy)
            return -ENOMEM;
    }
    *ret_type = copy;
    return 0;
}

/* Replaces the body with `len` bytes at `data` of type `type` (already copied). */
static void response_set_memory(HttpResponse *res, const char *type, const void *data, size_t len)
{
    http_response_drop_body(res);
    res->kind = HTTP_BODY_MEM;
    res->content_type = type;
    res->data = len ? data : "";
    res->length = len;
}

int http_response_body(HttpResponse *res, const char *content_type, const void *data, size_t len)
{
    const char *type = NULL;
    int rc = response_content_type(res, content_type, &type);
    if (rc < 0)
        return rc;
    response_set_memory(res, type, data, len);
    return 0;
}

int http_response_body_ref(HttpResponse *res, const char *content_type, const void *data,
                           size_t len, void (*release)(void *cls), void *cls)
{
    int rc = http_response_body(res, content_type, data, len);
    if (rc < 0) {
        release(cls);
        return rc;
    }
    res->release = release;
    res->release_cls = cls;
    return 0;
}

int http_response_body_gzip(HttpResponse *res, const char *content_type, const void *data,
                            size_t len, void (*release)(void *cls), void *cls)
{
    const char *type = NULL;
    bool has_vary = http_response_has_header(res, "Vary");
    HttpHeaderLine *enc = response_line(res, "Content-Encoding", "gzip");
    HttpHeaderLine *vary = has_vary ? NULL : response_line(res, "Vary", "Accept-Encoding");
    int rc =
        !enc || (!has_vary && !vary) ? -ENOMEM : response_content_type(res, content_type, &type);
    if (rc < 0) {
        release(cls);
        return rc;
    }
    response_set_memory(res, type, data, len);
    res->release = release;
    res->release_cls = cls;
    response_link(res, enc);
    if (vary)
        response_link(res, vary);
    return 0;
}

bool http_response_memory(const HttpResponse *res, const void **ret_data, size_t *ret_len,
                          const char **ret_type)
{
    if (res->kind != HTTP_BODY_MEM)
        return false;
    *ret_data = res->data;
    *ret_len = (size_t)res->length;
    *ret_type = res->content_type;
    return true;
}

int http_response_get_status(const HttpResponse *res)
{
    return res->status;
}

bool http_response_has_header(const HttpResponse *res, const char *name)
{
    for (const HttpHeaderLine *h = res->headers; h; h = h->next) {
        if (strcasecmp(h->name, name) == 0)
            return true;
    }
    return false;
}

int http_response_fd(HttpResponse *res, const char *content_type, int fd, uint64_t offset,
                     uint64_t length)
{
    const char *type = NULL;
    int rc = response_content_type(res, content_type, &type);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    http_response_drop_body(res);
    res->kind = HTTP_BODY_FD;
    res->content_type = type;
    res->fd = fd;
    res->offset = offset;
    res->length = length;
    return 0;
}

int http_response_live(HttpResponse *res, const char *content_type, HttpLive *live)
{
    const char *type = NULL;
    int rc = response_content_type(res, content_type, &type);
    if (rc < 0)
        return rc;
    http_response_drop_body(res);
    http_live_ref(live);
    res->kind = HTTP_BODY_LIVE;
    res->content_type = type;
    res->live = live;
    return 0;
}
