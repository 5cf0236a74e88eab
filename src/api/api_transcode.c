/*
 * api_transcode.c - the registry of running live transcodes and their worker threads.
 *
 * A slot is taken under the registry's mutex before the thread starts and given back by
 * the worker as its last act; api_transcodes_free() waits on the condition variable until
 * no slot is in use, so no worker outlives the registry.
 */
#include "api/api_transcode.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "http/http_live.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_TRANSCODE_USER_BYTES 64

typedef struct ApiTranscodeSlot {
    bool used;
    char user_id[API_TRANSCODE_USER_BYTES];
} ApiTranscodeSlot;

struct ApiTranscodes {
    pthread_mutex_t mu;
    pthread_cond_t idle; /* signalled when a slot is given back */
    unsigned max_total;
    unsigned max_user;
    unsigned running;                             /* guarded by mu */
    ApiTranscodeSlot slots[LIMIT_TRANSCODES_MAX]; /* guarded by mu */
};

typedef struct ApiTranscodeJob {
    ApiTranscodes *owner;
    unsigned slot;
    char *path;
    MediaTranscodeOptions opts;
    HttpLive *live;
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
    t->max_total = max_total;
    t->max_user = max_total / LIMIT_TRANSCODES_USER_SHARE;
    if (t->max_user == 0)
        t->max_user = 1;
    return t;

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
    pthread_cond_destroy(&t->idle);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static void api_transcode_release(ApiTranscodes *t, unsigned slot)
{
    pthread_mutex_lock(&t->mu);
    t->slots[slot].used = false;
    t->running--;
    pthread_cond_broadcast(&t->idle);
    pthread_mutex_unlock(&t->mu);
}

static int api_transcode_sink(void *ctx, const uint8_t *buf, size_t len)
{
    return http_live_write(ctx, buf, len);
}

static void *api_transcode_worker(void *arg)
{
    ApiTranscodeJob *job = arg;
    int r = media_transcode(job->path, &job->opts, api_transcode_sink, job->live);
    if (r < 0 && r != -EPIPE)
        log_warn("transcode of %s stopped: %s", job->path, err_str(r));
    http_live_finish(job->live, r == -EPIPE ? 0 : r);
    http_live_unref(job->live);
    ApiTranscodes *owner = job->owner;
    unsigned slot = job->slot;
    free(job->path);
    free(job);
    api_transcode_release(owner, slot); /* last: the registry may be freed right after */
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

int api_transcodes_start(ApiTranscodes *t, const char *user_id, const char *path,
                         const MediaTranscodeOptions *opts, HttpLive *live)
{
    int slot = api_transcode_take(t, user_id ? user_id : "");
    if (slot < 0)
        return slot;
    int rc = -ENOMEM;
    ApiTranscodeJob *job = calloc(1, sizeof(*job));
    if (!job)
        goto out_release;
    job->path = strdup(path);
    if (!job->path)
        goto out_free_job;
    job->owner = t;
    job->slot = (unsigned)slot;
    job->opts = *opts;
    job->live = live;

    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        goto out_free_path;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    int e = pthread_create(&th, &attr, api_transcode_worker, job);
    pthread_attr_destroy(&attr);
    if (e != 0) {
        rc = -e;
        goto out_free_path;
    }
    return 0;

out_free_path:
    free(job->path);
out_free_job:
    free(job);
out_release:
    api_transcode_release(t, (unsigned)slot);
    return rc;
}
