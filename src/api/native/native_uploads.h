/*
 * native_uploads.h - POST /api/uploads (multipart, streamed to disk as it arrives) and
 * GET /api/uploads (the caller's recent uploads and their status). The body sink runs on
 * the connection's server thread; its state lives in the request arena. Any server thread.
 */
#ifndef SWAZ_NATIVE_UPLOADS_H
#define SWAZ_NATIVE_UPLOADS_H

#include "http/http_request.h"

/* The streamed body of POST /api/uploads: one `file` part per file (other fields are
 * ignored). 403 without may_upload, 400 for a body that is not multipart/form-data, a part
 * without a file name, a bad name or too many files, 413 past upload_max_mb, 507 when the
 * disk is full. */
extern const HttpBodySink native_uploads_sink;

/* POST /api/uploads, once the body is complete -> 201 {"uploads":[{"id","name","path",
 * "size","songId","status"}]}: every file is linked into the uploads folder and queued for
 * scanning, or none is (415 when one is not audio libavformat can read). */
int native_uploads_post(HttpRequest *req, HttpResponse *res);

/* GET /api/uploads -> {"items":[...]}: the caller's LIMIT_UPLOADS_LISTED most recent uploads,
 * newest first, with status "receiving" (size grows), "stored" (waiting for the scanner),
 * "ready" (songId set) or "failed" (error says why). */
int native_uploads_list(HttpRequest *req, HttpResponse *res);

#endif
