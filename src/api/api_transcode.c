/*
 * api_transcode.c - the registry of running live transcodes and their worker threads.
 *
 * A slot is taken under the registry's mutex before a stream's thread starts and given back
 * by that thread as its last act; encoder threads of the cache hold no slot but are counted
 * in `running` the same way. api_transcodes_free() waits on the condition variable until
 * nothing runs, so no thread outlives the registry.
 */
#include "api/api_transcode.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "http/http_live.h"
#include "http/http_range.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define API_TRANSCODE_USER_BYTES  64
#define API_TRANSCODE_CHUNK_BYTES (32 * 1024) /* a follower's read from the cache file */

typedef struct ApiTranscodeSlot {
    bool used;
    char user_id[API_TRANSCODE_USER_BYTES];
} ApiTranscodeSlot;

struct ApiTranscodes {
    pthread_mutex_t mu;
    pthread_cond_t idle; /* signalled when a slot is given back */
    unsigned max_total;
    unsigned max_user;
    MediaGate *gate;  /* starting transcodes first; every live worker and encoder passes it */
    unsigned running; /* guarded by mu: threads alive */
    ApiTranscodeSlot slots[LIMIT_TRANSCODES_MAX]; /* guarded by mu */
};

/* One thread's work: an uncached live transcode (path, opts, live), an encoder into the
 * cache (path, opts, fill) or a follower of a cache file (fd, fill or NULL, live). */
typedef struct ApiTranscodeJob {
    ApiTranscodes *owner;
    int slot; /* -1: an encoder, which holds none */
    char *path;
    MediaTranscodeOptions opts;
    HttpLive *live;
    MediaTcacheFill *fill;
    int fd;
} ApiTranscodeJob;

ApiTranscodes *api_transcodes_new(unsigned max_total)
{
    if (max_total == 0 || max_total > LIMIT_TRANSCODES_MAX)
        return NULL;
    ApiTranscodes *t = calloc(1, sizeof(*t));
    if (!t)
        goto out;
    if (pthread_mutex_init(&t->mu, NULL) != 0)
        goto out_free;
    if (pthread_cond_init(&t->idle, NULL) != 0)
        goto out_destroy_mutex;
    t->gate = media_gate_new();
    if (!t->gate)
        goto out_destroy_cond;
    t->max_total = max_total;
    t->max_user = max_total / LIMIT_TRANSCODES_USER_SHARE;
    if (t->max_user == 0)
        t->max_user = 1;
    return t;

out_destroy_cond:
    pthread_cond_destroy(&t->idle);
out_destroy_mutex:
    pthread_mutex_destroy(&t->mu);
out_free:
    free(t);
out:
    return NULL;
}

void api_transcodes_free(ApiTranscodes *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    while (t->running > 0)
        pthread_cond_wait(&t->idle, &t->mu);
    pthread_mutex_unlock(&t->mu);
    media_gate_free(t->gate);
    pthread_cond_destroy(&t->idle);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static void api_transcode_release(ApiTranscodes *t, int slot)
{
    pthread_mutex_lock(&t->mu);
    if (slot >= 0)
        t->slots[slot].used = false;
    t->running--;
    pthread_cond_broadcast(&t->idle);
    pthread_mutex_unlock(&t->mu);
}

static int api_transcode_sink(void *ctx, const uint8_t *buf, size_t len)
{
    return http_live_write(ctx, buf, len);
}

/* Logs how an encode ended, unless its listeners simply left. */
static void api_transcode_log(const ApiTranscodeJob *job, int r)
{
    if (r < 0 && r != -EPIPE)
        log_warn("transcode of %s stopped: %s", job->path, err_str(r));
}

/* Frees the job and gives back its slot: a thread's last act (the registry may be freed
 * right after). */
static void api_transcode_done(ApiTranscodeJob *job)
{
    ApiTranscodes *owner = job->owner;
    int slot = job->slot;
    free(job->path);
    free(job);
    api_transcode_release(owner, slot);
}

static void *api_transcode_worker(void *arg)
{
    ApiTranscodeJob *job = arg;
    int r = media_transcode(job->path, &job->opts, api_transcode_sink, job->live);
    api_transcode_log(job, r);
    http_live_finish(job->live, r == -EPIPE ? 0 : r);
    http_live_unref(job->live);
    api_transcode_done(job);
    return NULL;
}

static void *api_transcode_encoder(void *arg)
{
    ApiTranscodeJob *job = arg;
    api_transcode_log(job, media_tcache_fill_encode(job->fill, job->path, &job->opts, NULL));
    api_transcode_done(job);
    return NULL;
}

/* Copies bytes [*have, avail) of the cache file into the pipe. Returns 0 or -EPIPE / -EIO. */
static int api_transcode_copy(ApiTranscodeJob *job, uint8_t *buf, uint64_t *have, uint64_t avail)
{
    while (*have < avail) {
        uint64_t want = avail - *have;
        size_t n = want < API_TRANSCODE_CHUNK_BYTES ? (size_t)want : API_TRANSCODE_CHUNK_BYTES;
        ssize_t got = pread(job->fd, buf, n, (off_t)*have);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -EIO;
        if (http_live_write(job->live, buf, (size_t)got) < 0)
            return -EPIPE;
        *have += (uint64_t)got;
    }
    return 0;
}

static void *api_transcode_follower(void *arg)
{
    ApiTranscodeJob *job = arg;
    uint8_t *buf = malloc(API_TRANSCODE_CHUNK_BYTES);
    int r = buf ? 0 : -ENOMEM;
    uint64_t have = 0;
    while (r == 0) {
        uint64_t avail = 0;
        int st = 1;
        if (job->fill) {
            st = media_tcache_fill_wait(job->fill, have, LIMIT_TCACHE_POLL_MS, &avail);
        } else {
            off_t end = lseek(job->fd, 0, SEEK_END);
            st = end < 0 ? -errno : 1;
            avail = end < 0 ? 0 : (uint64_t)end;
        }
        if (st == -ETIMEDOUT) {
            r = http_live_cancelled(job->live) ? -EPIPE : 0;
            continue;
        }
        if (st < 0) {
            r = st;
            break;
        }
        r = api_transcode_copy(job, buf, &have, avail);
        if (st == 1)
            break;
    }
    free(buf);
    if (r < 0 && r != -EPIPE)
        log_warn("transcode of %s: cache file stopped: %s", job->path, err_str(r));
    media_tcache_fill_leave(job->fill); /* the last follower out stops the encoder */
    close(job->fd);
    http_live_finish(job->live, r == -EPIPE ? 0 : r);
    http_live_unref(job->live);
    api_transcode_done(job);
    return NULL;
}

/* Takes a free slot for `user_id`. Returns its index, or ERR_LIMIT. */
static int api_transcode_take(ApiTranscodes *t, const char *user_id)
{
    int rc = ERR_LIMIT;
    pthread_mutex_lock(&t->mu);
    unsigned mine = 0;
    int free_slot = -1;
    for (unsigned i = 0; i < t->max_total; i++) {
        if (!t->slots[i].used)
            free_slot = free_slot < 0 ? (int)i : free_slot;
        else if (strcmp(t->slots[i].user_id, user_id) == 0)
            mine++;
    }
    if (free_slot >= 0 && mine < t->max_user) {
        ApiTranscodeSlot *s = &t->slots[free_slot];
        s->used = true;
        snprintf(s->user_id, sizeof(s->user_id), "%s", user_id);
        t->running++;
        rc = free_slot;
    }
    pthread_mutex_unlock(&t->mu);
    return rc;
}

/* Counts an encoder thread about to start (it holds no slot). */
static void api_transcode_enter(ApiTranscodes *t)
{
    pthread_mutex_lock(&t->mu);
    t->running++;
    pthread_mutex_unlock(&t->mu);
}

/* Makes a job for `slot` (-1: none) with a copy of `path`. Returns NULL when out of memory. */
static ApiTranscodeJob *api_transcode_job(ApiTranscodes *t, int slot, const char *path,
                                          const MediaTranscodeOptions *opts)
{
    ApiTranscodeJob *job = calloc(1, sizeof(*job));
    if (!job)
        return NULL;
    job->path = strdup(path);
    if (!job->path) {
        free(job);
        return NULL;
    }
    job->owner = t;
    job->slot = slot;
    job->opts = *opts;
    job->opts.gate = t->gate; /* it lowers the thread's priority once the transcode started */
    job->fd = -1;
    return job;
}

/* Starts a detached thread running fn(job). Returns 0 or a negative errno. */
static int api_transcode_spawn(void *(*fn)(void *), ApiTranscodeJob *job)
{
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return -ENOMEM;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    int e = pthread_create(&th, &attr, fn, job);
    pthread_attr_destroy(&attr);
    return -e;
}

int api_transcodes_start(ApiTranscodes *t, const char *user_id, const char *path,
                         const MediaTranscodeOptions *opts, HttpLive *live)
{
    int slot = api_transcode_take(t, user_id ? user_id : "");
    if (slot < 0)
        return slot;
    int rc = -ENOMEM;
    ApiTranscodeJob *job = api_transcode_job(t, slot, path, opts);
    if (!job)
        goto out_release;
    job->live = live;
    if ((rc = api_transcode_spawn(api_transcode_worker, job)) < 0)
        goto out_free_job;
    return 0;

out_free_job:
    free(job->path);
    free(job);
out_release:
    api_transcode_release(t, slot);
    return rc;
}

/* Starts the encoder of a fill the caller just created. On failure the fill is ended. */
static int api_transcode_start_encoder(ApiTranscodes *t, MediaTcacheFill *fill, const char *path,
                                       const MediaTranscodeOptions *opts)
{
    int rc = -ENOMEM;
    ApiTranscodeJob *job = api_transcode_job(t, -1, path, opts);
    if (!job)
        goto out_end;
    job->fill = fill;
    api_transcode_enter(t);
    if ((rc = api_transcode_spawn(api_transcode_encoder, job)) < 0)
        goto out_free_job;
    return 0;

out_free_job:
    api_transcode_done(job);
out_end:
    media_tcache_fill_end(fill, rc);
    return rc;
}

int api_transcodes_start_cached(ApiTranscodes *t, const char *user_id, MediaTcache *cache,
                                const MediaTcacheKey *key, const MediaTranscodeOptions *opts,
                                HttpLive *live)
{
    if (opts->offset_ms != 0)
        return -EINVAL;
    int slot = api_transcode_take(t, user_id ? user_id : "");
    if (slot < 0)
        return slot;
    MediaTcacheResult result;
    int fd;
    MediaTcacheFill *fill;
    int rc = media_tcache_acquire(cache, key, &result, &fd, &fill);
    if (rc < 0)
        goto out_release;
    if (result == MEDIA_TCACHE_MISS &&
        (rc = api_transcode_start_encoder(t, fill, key->source_path, opts)) < 0)
        goto out_leave;
    rc = -ENOMEM;
    ApiTranscodeJob *job = api_transcode_job(t, slot, key->source_path, opts);
    if (!job)
        goto out_leave;
    job->live = live;
    job->fill = fill;
    job->fd = fd;
    if ((rc = api_transcode_spawn(api_transcode_follower, job)) < 0)
        goto out_free_job;
    return 0;

out_free_job:
    free(job->path);
    free(job);
out_leave:
    media_tcache_fill_leave(fill); /* the encoder, if any, stops without followers */
    close(fd);
out_release:
    api_transcode_release(t, slot);
    return rc;
}

int api_transcodes_partial(HttpRequest *req, HttpResponse *res, MediaTcache *cache,
                           const MediaTcacheKey *key, const char *content_type)
{
    const char *range = http_request_header(req, "Range");
    if (!range || req->is_head || http_request_header(req, "If-Range"))
        return 1;
    /* The last N bytes (bytes=-N) mean nothing before the end is known. */
    const char *spec = range + strspn(range, " \t");
    if (strncmp(spec, "bytes=", 6) != 0 || spec[6 + strspn(spec + 6, " \t")] == '-')
        return 1;
    int fd;
    uint64_t written;
    if (media_tcache_peek(cache, key, &fd, &written) < 0)
        return 1;
    HttpRange part;
    if (written == 0 || http_range_parse(range, written, &part) != HTTP_RANGE_PARTIAL) {
        close(fd);
        return 1;
    }
    char cr[64];
    snprintf(cr, sizeof(cr), "bytes %" PRIu64 "-%" PRIu64 "/*", part.start,
             part.start + part.length - 1);
    http_response_status(res, 206);
    int rc = http_response_header(res, "Content-Range", cr);
    if (rc == 0)
        rc = http_response_header(res, "Accept-Ranges", "bytes");
    if (rc == 0)
        rc = http_response_header(res, "Cache-Control", "no-store");
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return http_response_fd(res, content_type, fd, part.start, part.length);
}
