/*
 * api_accel.h - lets a trusted reverse proxy (nginx) send file bytes itself.
 *
 * With `accel_redirect` set (e.g. "/internal/music/") and the request arriving from a
 * configured trusted proxy, a file is answered with an empty 200 carrying
 * `X-Accel-Redirect: <prefix><library name>/<path>`; nginx then serves that internal URI
 * from its own alias of the folder, Range and conditional requests included. Library names
 * are unique ("music", "music-2" for two folders named music) and kept once given, so a name
 * never stands for two folders. Otherwise nothing is answered and the caller sends the bytes. Any
 * server thread.
 */
#ifndef SWAZ_API_ACCEL_H
#define SWAZ_API_ACCEL_H

#include "http/http_request.h"

/* The name under the accel_redirect prefix for files of the transcode cache
 * (<data_dir>/transcodes): a leading dot, which a library's name never has in practice;
 * deploy/nginx/swaz.conf maps it. */
#define API_ACCEL_TRANSCODES ".transcodes"

/* Answers with X-Accel-Redirect for file `path` (relative, '/'-separated) of the library
 * named `folder` (Song.library_name), with `content_type` and the response's other headers
 * kept (nginx passes Content-Type, Content-Disposition and Cache-Control on). Returns 1 when
 * it answered, 0 when the caller must send the file itself (no prefix configured, or not from
 * a trusted proxy), or a negative error (answered, 500). */
int api_accel_file(HttpRequest *req, HttpResponse *res, const char *folder, const char *path,
                   const char *content_type);

#endif
