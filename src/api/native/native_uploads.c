/*
 * native_uploads.c - uploads: the body sink writes each `file` part to an unnamed temporary
 * file as it arrives; once the body is complete the handler checks every file is audio and
 * links them under <data_dir>/uploads/<user>/<artist>/<album>/, records them and asks the
 * scan service for those folders. Anything not linked when the request ends (refused,
 * interrupted, failed) is discarded by closing its descriptor and marked failed.
 */
#include "api/native/native_uploads.h"

#include "api/api.h"
#include "api/api_auth.h"
#include "api/api_error.h"
#include "api/api_json.h"
#include "api/api_request.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "library/library_ladder.h"
#include "library/library_service.h"
#include "library/library_upload.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define UPLOADS_PROGRESS_STEP (1024 * 1024) /* bytes between two progress updates */

typedef struct UploadFile {
    int fd; /* the unnamed temporary file, -1 once closed */
    char id[LIBRARY_UPLOAD_ID_LEN + 1];
    char name[LIMIT_UPLOAD_NAME_BYTES + 1];
    uint64_t size;
    uint64_t reported; /* size last written to the table */
    const char *path;  /* relative to the uploads folder once linked, else NULL */
    bool failed;       /* recorded as failed in the table */
    MediaInfo info;
} UploadFile;

/* req->body_state of POST /api/uploads. Arena-owned; used by one server thread. */
typedef struct UploadState {
    const char *root; /* the uploads folder */
    const char *user_id;
    uint64_t max;   /* upload_max_mb in bytes */
    uint64_t total; /* file bytes received */
    UploadFile *files;
    size_t n;
    bool in_file;      /* the current part is a `file` part */
    const char *error; /* why the upload failed, for the table */
} UploadState;

static int64_t uploads_now(void)
{
    return (int64_t)time(NULL);
}

static int uploads_refuse(HttpRequest *req, HttpResponse *res, UploadState *st, int status,
                          const char *code, const char *message)
{
    st->error = message;
    api_error(req, res, status, code, message);
    return -EINVAL;
}

/* A write, open or link error: a full disk or a size limit is 507 (api_error_from). */
static int uploads_io_error(HttpRequest *req, HttpResponse *res, UploadState *st, int err)
{
    bool full = err == -ENOSPC || err == -EDQUOT || err == -EFBIG;
    if (!full)
        log_error("uploads: cannot write an upload: %s", err_str(err));
    st->error = full ? "no space left for the upload" : "the upload could not be written";
    api_error_from(req, res, err);
    return err;
}

static int uploads_begin(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *app = req->app;
    const Principal *p = api_auth_principal(req);
    if (!app->uploads_dir) {
        api_error(req, res, 501, "unsupported", "uploads are not available");
        return 1;
    }
    if (!p || !p->may_upload) {
        api_error(req, res, 403, "forbidden", "this account may not upload");
        return 1;
    }
    const char *type = http_request_header(req, "Content-Type");
    if (!type || strncasecmp(type, "multipart/form-data", 19) != 0) {
        api_error(req, res, 400, "bad_request", "the body must be multipart/form-data");
        return 1;
    }
    uint64_t max = (uint64_t)app->upload_max_mb * 1024 * 1024;
    const char *cl = http_request_header(req, "Content-Length");
    uint64_t declared;
    if (cl && str_to_uint64(cl, &declared) == 0 && declared > max) {
        api_error(req, res, 413, "payload_too_large", "the upload is larger than upload_max_mb");
        return 1;
    }
    UploadState *st = arena_calloc(req->arena, 1, sizeof(*st));
    UploadFile *files = arena_calloc(req->arena, LIMIT_UPLOAD_FILES, sizeof(*files));
    if (!st || !files)
        return -ENOMEM;
    st->root = app->uploads_dir;
    st->user_id = p->user_id;
    st->max = max;
    st->files = files;
    req->body_state = st;
    return 0;
}

/* A new `file` part: checks its name, opens its temporary file and records it. */
static int uploads_part(HttpRequest *req, HttpResponse *res, UploadState *st,
                        const HttpFormPart *part)
{
    if (st->n >= LIMIT_UPLOAD_FILES)
        return uploads_refuse(req, res, st, 400, "too_many_files", "too many files in one upload");
    UploadFile *f = &st->files[st->n];
    if (library_upload_name(part->filename, f->name) < 0)
        return uploads_refuse(req, res, st, 400, "bad_name",
                              "a file name is empty, too long, hidden, or holds a separator "
                              "or control character");
    int r = library_upload_open(st->root, &f->fd);
    if (r < 0)
        return uploads_io_error(req, res, st, r);
    st->n++;
    DbConn *conn;
    if ((r = api_conn(req, res, &conn)) < 0)
        return r;
    r = library_upload_add(conn, st->user_id, f->name, uploads_now(), f->id);
    db_release(conn);
    if (r < 0) {
        st->error = "the database failed";
        api_error_from(req, res, r);
    }
    return r;
}

static int uploads_data(HttpRequest *req, HttpResponse *res, const HttpFormPart *part,
                        uint64_t offset, const char *data, size_t len)
{
    UploadState *st = req->body_state;
    UploadFile *cur = st->n ? &st->files[st->n - 1] : NULL;
    if (offset == 0 && !(st->in_file && cur && cur->size == 0 && len == 0)) {
        st->in_file = strcmp(part->name, "file") == 0;
        if (st->in_file && !part->filename)
            return uploads_refuse(req, res, st, 400, "bad_request",
                                  "a `file` part needs a file name");
        int r = st->in_file ? uploads_part(req, res, st, part) : 0;
        if (r < 0)
            return r;
        cur = st->in_file ? &st->files[st->n - 1] : NULL;
    }
    if (!st->in_file || len == 0)
        return 0;
    st->total += len;
    if (st->total > st->max)
        return uploads_refuse(req, res, st, 413, "payload_too_large",
                              "the upload is larger than upload_max_mb");
    int r = library_upload_write(cur->fd, data, len);
    if (r < 0)
        return uploads_io_error(req, res, st, r);
    cur->size += len;
    if (cur->size - cur->reported >= UPLOADS_PROGRESS_STEP) {
        DbConn *conn;
        if (api_conn(req, res, &conn) < 0)
            return -EAGAIN;
        r = library_upload_progress(conn, cur->id, (int64_t)cur->size, uploads_now());
        db_release(conn);
        if (r < 0)
            log_warn("uploads: cannot record progress: %s", err_str(r));
        cur->reported = cur->size;
    }
    return 0;
}

/* Discards every upload not linked (closing an unnamed file frees it) and records it as
 * failed, once: before a refusal is answered, so the uploader's next GET /api/uploads shows
 * it, and at the end of the request for whatever is left (an interrupted body). */
static void uploads_fail_unlinked(HttpRequest *req, UploadState *st)
{
    const ApiContext *app = req->app;
    DbConn *conn = NULL;
    for (size_t i = 0; i < st->n; i++) {
        UploadFile *f = &st->files[i];
        if (f->path)
            continue;
        if (f->fd >= 0)
            close(f->fd);
        f->fd = -1;
        if (f->failed)
            continue;
        if (!conn && db_acquire(app->db, &conn) < 0)
            break;
        const char *why = st->error ? st->error : "the upload was interrupted";
        int r = library_upload_finish(conn, f->id, NULL, why, (int64_t)f->size, uploads_now());
        if (r < 0)
            log_warn("uploads: cannot record a failed upload: %s", err_str(r));
        f->failed = true;
    }
    if (conn)
        db_release(conn);
}

static void uploads_end(HttpRequest *req, bool handled)
{
    UploadState *st = req->body_state;
    (void)handled;
    for (size_t i = 0; i < st->n; i++) {
        if (st->files[i].fd >= 0)
            close(st->files[i].fd);
        st->files[i].fd = -1;
    }
    uploads_fail_unlinked(req, st);
}

const HttpBodySink native_uploads_sink = {
    .begin = uploads_begin,
    .data = uploads_data,
    .end = uploads_end,
};

/* Removes the files linked so far (a later one failed: all or nothing). */
static void uploads_unlink(UploadState *st)
{
    char path[LIMIT_PATH_BYTES];
    for (size_t i = 0; i < st->n; i++) {
        UploadFile *f = &st->files[i];
        if (f->path && snprintf(path, sizeof(path), "%s/%s", st->root, f->path) < (int)sizeof(path))
            unlink(path);
        f->path = NULL;
    }
}

/* Links every checked file, records it and queues its folder for scanning. */
static int uploads_store(HttpRequest *req, HttpResponse *res, UploadState *st)
{
    const ApiContext *app = req->app;
    const Principal *p = api_auth_principal(req);
    int r = 0;
    for (size_t i = 0; i < st->n && r == 0; i++) {
        UploadFile *f = &st->files[i];
        r = library_upload_link(f->fd, st->root, p->username, &f->info, f->name, req->arena,
                                &f->path);
    }
    if (r < 0) {
        uploads_unlink(st);
        if (r == -EEXIST)
            return uploads_refuse(req, res, st, 409, "conflict",
                                  "a file of that name is already stored there");
        return uploads_io_error(req, res, st, r);
    }
    DbConn *conn;
    if ((r = api_conn(req, res, &conn)) < 0) {
        uploads_unlink(st);
        return r;
    }
    const char *dirs[LIMIT_UPLOAD_FILES];
    if (!p->all_libraries)
        r = library_upload_grant(conn, p->user_id, st->root);
    for (size_t i = 0; i < st->n && r == 0; i++) {
        UploadFile *f = &st->files[i];
        r = library_upload_finish(conn, f->id, f->path, NULL, (int64_t)f->size, uploads_now());
        const char *slash = strrchr(f->path, '/');
        dirs[i] = arena_printf(req->arena, "%s/%.*s", st->root, (int)(slash - f->path), f->path);
        if (!dirs[i])
            r = -ENOMEM;
    }
    db_release(conn);
    if (r < 0) {
        uploads_unlink(st);
        api_error_from(req, res, r);
        return r;
    }
    if (app->scans && (r = library_service_request_paths(app->scans, dirs, st->n)) < 0)
        log_warn("uploads: cannot queue a scan of the uploaded files: %s", err_str(r));
    /* Pre-transcoding (the configured ladder), once the scanner has made each file a song. */
    for (size_t i = 0; app->ladder && i < st->n; i++) {
        if ((r = library_ladder_pretranscode_path(app->ladder, st->root, st->files[i].path)) < 0)
            log_warn("uploads: %s will not be pre-transcoded: %s", st->files[i].path, err_str(r));
    }
    return 0;
}

int native_uploads_post(HttpRequest *req, HttpResponse *res)
{
    UploadState *st = req->body_state;
    if (!st || st->n == 0)
        return api_error(req, res, 400, "bad_request", "no `file` part in the upload");
    for (size_t i = 0; i < st->n; i++) {
        UploadFile *f = &st->files[i];
        int r = library_upload_probe(f->fd, req->arena, &f->info);
        if (r == ERR_MEDIA) {
            char *msg = arena_printf(req->arena, "%s is not audio this server can read", f->name);
            uploads_refuse(req, res, st, 415, "unsupported_media_type",
                           msg ? msg : "not audio this server can read");
            uploads_fail_unlinked(req, st);
            return 0;
        }
        if (r < 0) {
            uploads_fail_unlinked(req, st);
            return api_error_from(req, res, r);
        }
    }
    if (uploads_store(req, res, st) < 0) {
        uploads_fail_unlinked(req, st);
        return 0;
    }
    json_t *items = json_array();
    for (size_t i = 0; items && i < st->n; i++) {
        const UploadFile *f = &st->files[i];
        json_array_append_new(items, json_pack("{s:o, s:o, s:o, s:I, s:n, s:s}", "id",
                                               api_json_string(req, f->id), "name",
                                               api_json_string(req, f->name), "path",
                                               api_json_string(req, f->path), "size",
                                               (json_int_t)f->size, "songId", "status", "stored"));
    }
    return api_json_respond(req, res, 201, items ? json_pack("{s:o}", "uploads", items) : NULL);
}

int native_uploads_list(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *app = req->app;
    const Principal *p = api_auth_principal(req);
    const char *root = app->uploads_dir ? app->uploads_dir : "";
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    /* The uploads library may have been scanned for the first time since the upload. */
    int r = p->all_libraries || !app->uploads_dir
                ? 0
                : library_upload_grant(conn, p->user_id, app->uploads_dir);
    LibraryUpload *ups;
    size_t n;
    if (r == 0)
        r = library_upload_list(conn, req->arena, p->user_id, root, LIMIT_UPLOADS_LISTED, &ups, &n);
    db_release(conn);
    if (r < 0)
        return api_error_from(req, res, r);
    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++) {
        const LibraryUpload *u = &ups[i];
        json_array_append_new(
            items,
            json_pack("{s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:I, s:I}", "id",
                      api_json_string(req, u->id), "name", api_json_string(req, u->name), "path",
                      api_json_string(req, u->path), "size", (json_int_t)u->size, "status",
                      api_json_string(req, u->status), "error", api_json_string(req, u->error),
                      "songId", api_json_opt_string(req, u->song_id), "createdAt",
                      (json_int_t)u->created_at, "updatedAt", (json_int_t)u->updated_at));
    }
    return api_json_respond(req, res, 200, items ? json_pack("{s:o}", "items", items) : NULL);
}
