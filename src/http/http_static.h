/*
 * http_static.h - static files from one directory (the web player's build output).
 *
 * A request path is checked segment by segment (no "..", ".", empty or hidden segments, no
 * backslash) and then opened beneath the root with openat2(RESOLVE_BENEATH), so neither a
 * crafted path nor a symbolic link can reach a file outside it. Files go out through
 * http_file_respond() (sendfile, ETag, 304, Range); a precompressed sibling `NAME.gz` is sent
 * instead (Content-Encoding: gzip) to clients that accept gzip. Stateless; any server thread.
 */
#ifndef SWAZ_HTTP_STATIC_H
#define SWAZ_HTTP_STATIC_H

#include "http/http_request.h"

#include <stdbool.h>

#define HTTP_STATIC_IMMUTABLE "public, max-age=31536000, immutable"
#define HTTP_STATIC_NO_CACHE  "no-cache"

/* True when `rel` (a decoded path relative to the root, no leading '/') may be looked up:
 * non-empty, at most LIMIT_STATIC_PATH_BYTES, segments neither empty nor "." or ".." nor
 * starting with '.', no backslash or control byte. */
bool http_static_path_ok(const char *rel);

/* Returns the Content-Type for a file name by its extension ("text/html; charset=utf-8",
 * ..., "application/octet-stream" for unknown ones). Static string. */
const char *http_static_type(const char *name);

/* True when the Accept-Encoding value `header` (NULL: absent) accepts gzip: a "gzip",
 * "x-gzip" or (gzip not named) "*" coding whose q is not 0. */
bool http_static_accepts_gzip(const char *header);

/* Answers GET/HEAD with the regular file `rel` beneath the directory `root`, with
 * `cache_control` (NULL: none). When `rel`.gz exists too, adds `Vary: Accept-Encoding` and
 * sends that file with `Content-Encoding: gzip` if the request accepts gzip (its own ETag;
 * Range counts its bytes). Returns 0 (response described), -ENOENT (bad path, no such file,
 * not a regular file, or outside the root), or another negative errno / -ENOMEM. */
int http_static_respond(HttpRequest *req, HttpResponse *res, const char *root, const char *rel,
                        const char *cache_control);

#endif
