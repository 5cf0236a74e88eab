/*
 * api_zip.c - ZIP downloads: a detached producer thread per archive, counted against
 * LIMIT_ZIP_DOWNLOADS with an atomic counter (the only state shared between requests).
 *
 * The job owns an arena with the entry names and file paths, the pipe reference and a read
 * buffer; the thread frees them. A file that cannot be opened any more (deleted since the
 * scan) is left out of the archive and logged; a read error mid-file aborts the body, so
 * the client sees a truncated download rather than a wrong file.
 */
#include "api/api_zip.h"

#include "api/api_error.h"
#include "api/api_request.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/zip.h"
#include "http/http_live.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZIP_READ_BYTES (128 * 1024)

typedef struct ZipItem {
    const char *path; /* absolute */
    const char *name; /* entry name */
} ZipItem;

typedef struct ZipJob {
    Arena *arena; /* owns the job, its items and strings */
    HttpLive *live;
    ZipItem *items;
    size_t n;
} ZipJob;

static atomic_int zip_running; /* archives being made, at most LIMIT_ZIP_DOWNLOADS */

static int zip_to_live(void *ctx, const void *data, size_t len)
{
    return http_live_write(ctx, data, len);
}

/* Adds one file; a file gone since the scan is skipped (returns 0). */
static int zip_add_file(Zip *z, const ZipItem *item, char *buf)
{
    int fd = open(item->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        log_warn("zip: %s left out: %s", item->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return 0;
    }
    int r = zip_entry_begin(z, item->name, (int64_t)st.st_mtime);
    while (r == 0) {
        ssize_t got = read(fd, buf, ZIP_READ_BYTES);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            r = got < 0 ? -errno : zip_entry_end(z);
            break;
        }
        r = zip_entry_data(z, buf, (size_t)got);
    }
    close(fd);
    return r;
}

static void *zip_main(void *arg)
{
    ZipJob *job = arg;
    char *buf = arena_alloc(job->arena, ZIP_READ_BYTES);
    Zip *z = buf ? zip_new(zip_to_live, job->live, job->n, 0) : NULL;
    int r = z ? 0 : -ENOMEM;
    for (size_t i = 0; i < job->n && r == 0; i++)
        r = zip_add_file(z, &job->items[i], buf);
    if (r == 0)
        r = zip_finish(z);
    if (r < 0 && r != -EPIPE)
        log_warn("zip: download aborted: %s", err_str(r));
    http_live_finish(job->live, r);
    zip_free(z);
    http_live_unref(job->live);
    arena_free(job->arena);
    atomic_fetch_sub(&zip_running, 1);
    return NULL;
}

/* The file name part of a path. */
static const char *zip_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Names entry i: its file name, or its position first; repeats get " (k)". */
static const char *zip_entry_name(Arena *a, const ZipItem *items, size_t i, const Song *s, size_t n,
                                  bool numbered)
{
    const char *base = zip_base(s->path);
    if (numbered)
        return arena_printf(a, "%0*zu - %s", n >= 1000 ? 4 : 3, i + 1, base);
    const char *name = base;
    for (int k = 2; name; k++) {
        bool taken = false;
        for (size_t j = 0; j < i && !taken; j++)
            taken = strcmp(items[j].name, name) == 0;
        if (!taken)
            return name;
        const char *dot = strrchr(base, '.');
        size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
        name = arena_printf(a, "%.*s (%d)%s", (int)stem, base, k, base + stem);
    }
    return NULL;
}

static ZipJob *zip_job_new(const Song *songs, size_t n, bool numbered)
{
    Arena *a = arena_new(LIMIT_HTTP_ARENA_BYTES);
    ZipJob *job = a ? arena_calloc(a, 1, sizeof(*job)) : NULL;
    ZipItem *items = job ? arena_calloc(a, n ? n : 1, sizeof(*items)) : NULL;
    for (size_t i = 0; items && i < n; i++) {
        items[i].path = arena_strdup(a, songs[i].full_path);
        items[i].name = zip_entry_name(a, items, i, &songs[i], n, numbered);
        if (!items[i].path || !items[i].name)
            items = NULL;
    }
    if (!items) {
        arena_free(a);
        return NULL;
    }
    job->arena = a;
    job->items = items;
    job->n = n;
    return job;
}

int api_zip_respond(HttpRequest *req, HttpResponse *res, const char *name, const Song *songs,
                    size_t n, bool numbered)
{
    if (atomic_fetch_add(&zip_running, 1) >= LIMIT_ZIP_DOWNLOADS) {
        atomic_fetch_sub(&zip_running, 1);
        char retry[16];
        snprintf(retry, sizeof(retry), "%d", LIMIT_ZIP_RETRY_AFTER_S);
        http_response_header(res, "Retry-After", retry);
        return api_error(req, res, 429, "too_many_downloads",
                         "too many archives are being made; try again later");
    }
    int r = -ENOMEM;
    const char *disposition = api_attachment(req, name, ".zip");
    ZipJob *job = disposition ? zip_job_new(songs, n, numbered) : NULL;
    if (!job)
        goto out_count;
    job->live = http_live_new(LIMIT_LIVE_BUFFER_BYTES);
    if (!job->live)
        goto out_job;
    if ((r = http_response_live(res, "application/zip", job->live)) < 0)
        goto out_live;
    http_response_header(res, "Content-Disposition", disposition);
    http_response_header(res, "Cache-Control", "private, no-store");
    pthread_attr_t attr;
    pthread_t thread;
    if ((r = -pthread_attr_init(&attr)) < 0)
        goto out_live;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    r = -pthread_create(&thread, &attr, zip_main, job);
    pthread_attr_destroy(&attr);
    if (r < 0)
        goto out_live; /* the error body below drops the response's reference */
    return 0;

out_live:
    http_live_unref(job->live);
out_job:
    arena_free(job->arena);
out_count:
    atomic_fetch_sub(&zip_running, 1);
    return api_error_from(req, res, r);
}
