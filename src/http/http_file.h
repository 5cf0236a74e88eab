/*
 * http_file.h - answering a GET or HEAD with a file: validators, conditionals and Range.
 *
 * Sets Accept-Ranges, Content-Length, ETag (strong, from size and mtime), Last-Modified,
 * Cache-Control; answers 304 to a matching If-None-Match, 206/416 per http_range.h, honours
 * If-Range (a validator that does not match means the whole file). The body goes out with
 * sendfile. Any server thread.
 */
#ifndef SWAZ_HTTP_FILE_H
#define SWAZ_HTTP_FILE_H

#include "http/http_request.h"

#include <time.h>

/* Serves the open file `fd` (ownership taken: closed in every case) with `content_type`
 * and `cache_control` (NULL: no header). Range applies to GET only; 304 to GET and HEAD.
 * Returns 0 (response described, whatever its status), a negative errno from fstat,
 * -EINVAL (not a regular file) or -ENOMEM (the arena is spent). */
int http_file_respond(HttpRequest *req, HttpResponse *res, int fd, const char *content_type,
                      const char *cache_control);

/* Writes `t` as an IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (30 bytes with the NUL),
 * whatever the locale. Returns 0 or -EOVERFLOW (a year past 9999). */
int http_file_format_date(time_t t, char out[32]);

#endif
