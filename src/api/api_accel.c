/*
 * api_accel.c - X-Accel-Redirect answers: the internal URI is the configured prefix, the
 * library name and the path, percent-encoded except for unreserved characters and '/', so
 * nginx decodes it back to the file's exact bytes.
 */
#include "api/api_accel.h"

#include "api/api.h"
#include "api/api_auth.h"
#include "api/api_error.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Appends `s` percent-encoded (keeping '/' when `slash`) to out at *o. */
static void accel_encode(char *out, size_t *o, const char *s, bool slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~' || (slash && c == '/');
        if (plain) {
            out[(*o)++] = (char)c;
        } else {
            out[(*o)++] = '%';
            out[(*o)++] = hex[c >> 4];
            out[(*o)++] = hex[c & 15];
        }
    }
}

int api_accel_file(HttpRequest *req, HttpResponse *res, const char *folder, const char *path,
                   const char *content_type)
{
    const ApiContext *app = req->app;
    if (!app->accel_redirect || !api_auth_from_proxy(req))
        return 0;
    size_t cap = strlen(app->accel_redirect) + 3 * (strlen(folder) + strlen(path)) + 2;
    char *uri = arena_alloc(req->arena, cap);
    if (!uri) {
        api_error_from(req, res, -ENOMEM);
        return -ENOMEM;
    }
    size_t o = strlen(app->accel_redirect);
    memcpy(uri, app->accel_redirect, o);
    accel_encode(uri, &o, folder, false);
    uri[o++] = '/';
    accel_encode(uri, &o, path, true);
    uri[o] = '\0';
    int r = http_response_header(res, "X-Accel-Redirect", uri);
    if (r == 0)
        r = http_response_body(res, content_type, "", 0);
    if (r < 0) {
        api_error_from(req, res, r);
        return r;
    }
    return 1;
}
