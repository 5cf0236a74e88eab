/*
 * library_service.c - the scan service: a queue of scan requests, one scan thread, an
 * optional schedule, and a status snapshot for the API.
 *
 * Locking: `mu` guards every field marked (mu) below. The scan thread holds it only to take
 * a request and to publish progress; library_scan() runs without it. The observer callbacks
 * may run on the scanner's worker threads, so they take `mu` too.
 */
#include "library/library_service.h"

#include "core/err.h"
#include "core/log.h"
#include "core/str.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct LibraryService {
    /* Immutable after library_service_new(). */
    Db *db;
    size_t n_folders;
    LibraryFolder folders[LIMIT_MUSIC_DIRS];
    char names[LIMIT_MUSIC_DIRS][LIMIT_PATH_BYTES];
    char paths[LIMIT_MUSIC_DIRS][LIMIT_PATH_BYTES];
    LibraryScanOptions base;
    unsigned interval_s;

    pthread_t thread; /* the scan thread; joined by library_service_stop() */
    bool joined;      /* main-thread side of stop; (mu) */
    atomic_bool cancel;

    pthread_mutex_t mu;
    pthread_cond_t wake; /* signalled on a request and on stop; CLOCK_MONOTONIC */

    bool stopping;                                            /* (mu) */
    bool paused;                                              /* (mu) */
    bool pending_full;                                        /* (mu) */
    size_t n_pending;                                         /* (mu) */
    char pending[LIMIT_SCAN_PENDING_PATHS][LIMIT_PATH_BYTES]; /* (mu) */
    size_t error_head;                                        /* (mu) next slot of the error ring */
    LibraryServiceStatus status;                              /* (mu); errors[] used as a ring */
    int64_t scan_started_mono_ms;                             /* (mu) */

    /* Scan-thread only: the request being run. */
    char running[LIMIT_SCAN_PENDING_PATHS][LIMIT_PATH_BYTES];
    const char *running_ptrs[LIMIT_SCAN_PENDING_PATHS];
};

static int64_t service_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t service_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *library_service_state_name(LibraryServiceState state)
{
    return state == LIBRARY_SERVICE_SCANNING ? "scanning" : "idle";
}

const char *library_service_result_name(LibraryServiceResult result)
{
    switch (result) {
    case LIBRARY_SERVICE_RESULT_OK:
        return "ok";
    case LIBRARY_SERVICE_RESULT_CANCELLED:
        return "cancelled";
    case LIBRARY_SERVICE_RESULT_ERROR:
        return "error";
    case LIBRARY_SERVICE_RESULT_NONE:
        break;
    }
    return NULL;
}

/* True when `path` is `dir` or lies below it. */
static bool service_path_within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (strncmp(path, dir, n) != 0)
        return false;
    return path[n] == '\0' || path[n] == '/' || (n == 1 && dir[0] == '/');
}

/* True for an absolute path without empty, "." or ".." segments and without a trailing '/'. */
static bool service_path_canonical(const char *p)
{
    if (p[0] != '/')
        return false;
    if (p[1] == '\0')
        return true;
    const char *seg = p + 1;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return false;
        if (!end)
            return true;
        seg = end + 1;
    }
}

/* Adds one path to the pending set; the caller holds mu and has checked the path. */
static void service_merge_path(LibraryService *svc, const char *path)
{
    if (svc->pending_full)
        return;
    for (size_t i = 0; i < svc->n_pending; i++) {
        if (service_path_within(path, svc->pending[i]))
            return; /* already covered */
    }
    size_t keep = 0;
    for (size_t i = 0; i < svc->n_pending; i++) {
        if (service_path_within(svc->pending[i], path))
            continue; /* covered by the new one */
        if (keep != i)
            memcpy(svc->pending[keep], svc->pending[i], strlen(svc->pending[i]) + 1);
        keep++;
    }
    svc->n_pending = keep;
    if (svc->n_pending == LIMIT_SCAN_PENDING_PATHS) {
        svc->pending_full = true;
        svc->n_pending = 0;
        return;
    }
    str_copy(svc->pending[svc->n_pending++], path, LIMIT_PATH_BYTES);
}

static void service_on_error(void *ctx, const char *path, int err)
{
    LibraryService *svc = ctx;
    pthread_mutex_lock(&svc->mu);
    LibraryServiceError *e = &svc->status.errors[svc->error_head];
    str_copy(e->path, path ? path : "", sizeof(e->path));
    e->err = err;
    svc->error_head = (svc->error_head + 1) % LIMIT_SCAN_RECENT_ERRORS;
    if (svc->status.n_errors < LIMIT_SCAN_RECENT_ERRORS)
        svc->status.n_errors++;
    pthread_mutex_unlock(&svc->mu);
}

/* Publishes counts; the caller holds mu. */
static void service_set_stats(LibraryService *svc, const LibraryScanStats *stats)
{
    svc->status.stats = *stats;
    int64_t elapsed = service_mono_ms() - svc->scan_started_mono_ms;
    svc->status.files_per_second =
        elapsed > 0 ? (double)stats->seen * 1000.0 / (double)elapsed : 0.0;
}

static void service_on_progress(void *ctx, const LibraryScanStats *stats)
{
    LibraryService *svc = ctx;
    pthread_mutex_lock(&svc->mu);
    service_set_stats(svc, stats);
    pthread_mutex_unlock(&svc->mu);
}

/* Runs one request taken from the queue (n == 0: full). Called without mu. */
static void service_run(LibraryService *svc, size_t n)
{
    LibraryScanOptions opts = svc->base;
    opts.only_paths = n ? svc->running_ptrs : NULL;
    opts.n_only_paths = n;
    LibraryScanObserver obs = {service_on_error, service_on_progress, svc};
    LibraryScanStats st;
    memset(&st, 0, sizeof(st));
    if (n)
        log_info("scan: started on %zu changed folder(s)", n);
    else
        log_info("scan: started on %zu music folder(s)", svc->n_folders);
    int r = library_scan(svc->db, svc->folders, svc->n_folders, &opts, &obs, &svc->cancel, &st);
    if (r < 0 && r != -ECANCELED)
        log_error("scan: failed: %s", err_str(r));
    pthread_mutex_lock(&svc->mu);
    service_set_stats(svc, &st);
    svc->status.state = LIBRARY_SERVICE_IDLE;
    svc->status.finished_at_ms = service_wall_ms();
    svc->status.scans++;
    svc->status.result = r == 0            ? LIBRARY_SERVICE_RESULT_OK
                         : r == -ECANCELED ? LIBRARY_SERVICE_RESULT_CANCELLED
                                           : LIBRARY_SERVICE_RESULT_ERROR;
    svc->status.result_err = r;
    double rate = svc->status.files_per_second;
    pthread_mutex_unlock(&svc->mu);
    log_info("scan: %s: %lld files (%.0f/s), %lld added, %lld updated, %lld unchanged, "
             "%lld missing, %lld errors",
             r == 0            ? "done"
             : r == -ECANCELED ? "cancelled"
                               : "failed",
             (long long)st.seen, rate, (long long)st.added, (long long)st.updated,
             (long long)st.unchanged, (long long)st.missing, (long long)st.errors);
}

static void *service_main(void *arg)
{
    LibraryService *svc = arg;
    int64_t interval_ms = (int64_t)svc->interval_s * 1000;
    int64_t next_due = interval_ms ? service_mono_ms() + interval_ms : 0;
    pthread_mutex_lock(&svc->mu);
    while (!svc->stopping) {
        if (svc->paused) {
            pthread_cond_wait(&svc->wake, &svc->mu);
            continue;
        }
        if (!svc->pending_full && svc->n_pending == 0) {
            if (!interval_ms) {
                pthread_cond_wait(&svc->wake, &svc->mu);
                continue;
            }
            int64_t now = service_mono_ms();
            if (now < next_due) {
                struct timespec until = {(time_t)(next_due / 1000),
                                         (long)(next_due % 1000) * 1000000L};
                pthread_cond_timedwait(&svc->wake, &svc->mu, &until);
                continue;
            }
            log_info("scan: scheduled full scan (every %u s)", svc->interval_s);
            svc->pending_full = true;
        }
        size_t n = 0;
        if (!svc->pending_full) {
            n = svc->n_pending;
            for (size_t i = 0; i < n; i++) {
                memcpy(svc->running[i], svc->pending[i], strlen(svc->pending[i]) + 1);
                svc->running_ptrs[i] = svc->running[i];
            }
        }
        svc->pending_full = false;
        svc->n_pending = 0;
        svc->status.state = LIBRARY_SERVICE_SCANNING;
        svc->status.full = n == 0;
        svc->status.started_at_ms = service_wall_ms();
        memset(&svc->status.stats, 0, sizeof(svc->status.stats));
        svc->status.files_per_second = 0.0;
        svc->scan_started_mono_ms = service_mono_ms();
        pthread_mutex_unlock(&svc->mu);

        service_run(svc, n);

        pthread_mutex_lock(&svc->mu);
        /* A scheduled scan counts from the end of the last full scan. */
        if (interval_ms && n == 0)
            next_due = service_mono_ms() + interval_ms;
    }
    pthread_mutex_unlock(&svc->mu);
    return NULL;
}

int library_service_new(Db *db, const LibraryFolder *folders, size_t n,
                        const LibraryScanOptions *base, unsigned interval_s,
                        LibraryService **ret_service)
{
    if (n > LIMIT_MUSIC_DIRS)
        return -EINVAL;
    LibraryService *svc = calloc(1, sizeof(*svc));
    if (!svc)
        return -ENOMEM;
    int r = -EINVAL;
    svc->db = db;
    svc->n_folders = n;
    for (size_t i = 0; i < n; i++) {
        if (str_copy(svc->names[i], folders[i].name, LIMIT_PATH_BYTES) >= LIMIT_PATH_BYTES ||
            str_copy(svc->paths[i], folders[i].path, LIMIT_PATH_BYTES) >= LIMIT_PATH_BYTES)
            goto out_free;
        svc->folders[i].name = svc->names[i];
        svc->folders[i].path = svc->paths[i];
    }
    if (base) {
        svc->base = *base;
    } else {
        LibraryScanOptions def = LIBRARY_SCAN_OPTIONS_DEFAULT;
        svc->base = def;
    }
    svc->base.only_paths = NULL;
    svc->base.n_only_paths = 0;
    svc->interval_s = interval_s;
    atomic_init(&svc->cancel, false);

    pthread_condattr_t ca;
    if ((r = -pthread_condattr_init(&ca)) < 0)
        goto out_free;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    r = -pthread_cond_init(&svc->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (r < 0)
        goto out_free;
    if ((r = -pthread_mutex_init(&svc->mu, NULL)) < 0)
        goto out_cond;
    if ((r = -pthread_create(&svc->thread, NULL, service_main, svc)) < 0)
        goto out_mutex;
    *ret_service = svc;
    return 0;

out_mutex:
    pthread_mutex_destroy(&svc->mu);
out_cond:
    pthread_cond_destroy(&svc->wake);
out_free:
    free(svc);
    return r;
}

int library_service_request_full(LibraryService *svc)
{
    int r = 0;
    pthread_mutex_lock(&svc->mu);
    if (svc->stopping) {
        r = -ECANCELED;
    } else {
        svc->pending_full = true;
        svc->n_pending = 0;
        pthread_cond_signal(&svc->wake);
    }
    pthread_mutex_unlock(&svc->mu);
    return r;
}

int library_service_request_paths(LibraryService *svc, const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *p = paths[i];
        if (!p || strlen(p) >= LIMIT_PATH_BYTES || !service_path_canonical(p))
            return -EINVAL;
        bool inside = false;
        for (size_t f = 0; f < svc->n_folders && !inside; f++)
            inside = service_path_within(p, svc->folders[f].path);
        if (!inside)
            return -EINVAL;
    }
    int r = 0;
    pthread_mutex_lock(&svc->mu);
    if (svc->stopping) {
        r = -ECANCELED;
    } else if (n) {
        for (size_t i = 0; i < n; i++)
            service_merge_path(svc, paths[i]);
        pthread_cond_signal(&svc->wake);
    }
    pthread_mutex_unlock(&svc->mu);
    return r;
}

void library_service_pause(LibraryService *svc, bool paused)
{
    pthread_mutex_lock(&svc->mu);
    svc->paused = paused;
    pthread_cond_signal(&svc->wake);
    pthread_mutex_unlock(&svc->mu);
}

void library_service_status(LibraryService *svc, LibraryServiceStatus *ret_status)
{
    pthread_mutex_lock(&svc->mu);
    *ret_status = svc->status;
    ret_status->pending_full = svc->pending_full;
    ret_status->pending_paths = svc->n_pending;
    /* Unroll the ring so that errors[] runs oldest first. */
    size_t n = svc->status.n_errors;
    size_t first = (svc->error_head + LIMIT_SCAN_RECENT_ERRORS - n) % LIMIT_SCAN_RECENT_ERRORS;
    for (size_t i = 0; i < n; i++)
        ret_status->errors[i] = svc->status.errors[(first + i) % LIMIT_SCAN_RECENT_ERRORS];
    if (svc->status.state == LIBRARY_SERVICE_SCANNING) {
        int64_t elapsed = service_mono_ms() - svc->scan_started_mono_ms;
        ret_status->files_per_second =
            elapsed > 0 ? (double)svc->status.stats.seen * 1000.0 / (double)elapsed : 0.0;
    }
    pthread_mutex_unlock(&svc->mu);
}

void library_service_stop(LibraryService *svc)
{
    pthread_mutex_lock(&svc->mu);
    bool join = !svc->joined;
    svc->joined = true;
    svc->stopping = true;
    svc->pending_full = false;
    svc->n_pending = 0;
    atomic_store(&svc->cancel, true);
    pthread_cond_signal(&svc->wake);
    pthread_mutex_unlock(&svc->mu);
    if (join)
        pthread_join(svc->thread, NULL);
}

void library_service_free(LibraryService *svc)
{
    if (!svc)
        return;
    library_service_stop(svc);
    pthread_mutex_destroy(&svc->mu);
    pthread_cond_destroy(&svc->wake);
    free(svc);
}

int library_service_error_count(DbConn *conn, int64_t *ret_count)
{
    DbStmt *st;
    int r = db_prepare(conn, "SELECT COUNT(*) FROM scan_errors", &st);
    if (r < 0)
        return r;
    r = db_step(st);
    if (r == DB_ROW) {
        *ret_count = db_column_int64(st, 0);
        r = 0;
    } else {
        r = r < 0 ? r : ERR_DB;
    }
    db_finalize(st);
    return r;
}
