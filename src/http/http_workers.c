/*
 * http_workers.c - a fixed pool of threads taking jobs in order from a bounded ring.
 *
 * One mutex guards the ring and the counters; `ready` wakes a worker when a job arrives or the
 * pool stops, `idle` wakes a drainer when the last running job returns with none queued.
 */
#include "http/http_workers.h"

#include "core/limits.h"
#include "core/metrics.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct HttpWork {
    HttpWorkFn fn;
    void *arg;
} HttpWork;

struct HttpWorkers {
    pthread_mutex_t mu;
    pthread_cond_t ready; /* a job was queued, or the pool stops */
    pthread_cond_t idle;  /* nothing queued and nothing running */
    HttpWork *ring;       /* guarded by mu */
    size_t cap;
    size_t head;    /* guarded by mu: index of the oldest job */
    size_t n;       /* guarded by mu: jobs queued */
    size_t running; /* guarded by mu: jobs taken and not yet returned */
    bool draining;  /* guarded by mu: posts are refused */
    bool stopping;  /* guarded by mu: workers leave once the ring is empty */
    unsigned n_threads;
    pthread_t *threads;
};

static void *workers_main(void *arg)
{
    HttpWorkers *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->n == 0 && !w->stopping)
            pthread_cond_wait(&w->ready, &w->mu);
        if (w->n == 0)
            break; /* stopping, and nothing left */
        HttpWork job = w->ring[w->head];
        w->head = (w->head + 1) % w->cap;
        w->n--;
        w->running++;
        metrics_add(METRICS_HTTP_JOBS_QUEUED, -1);
        pthread_mutex_unlock(&w->mu);
        job.fn(job.arg);
        pthread_mutex_lock(&w->mu);
        w->running--;
        if (w->n == 0 && w->running == 0)
            pthread_cond_broadcast(&w->idle);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int http_workers_new(unsigned threads, size_t capacity, HttpWorkers **ret_workers)
{
    if (threads == 0 || threads > LIMIT_THREADS_MAX || capacity == 0 ||
        capacity > LIMIT_CONN_TOTAL_MAX)
        return -EINVAL;
    HttpWorkers *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    int rc = -ENOMEM;
    w->cap = capacity;
    w->ring = calloc(capacity, sizeof(*w->ring));
    w->threads = calloc(threads, sizeof(*w->threads));
    if (!w->ring || !w->threads)
        goto out_free;
    if ((rc = -pthread_mutex_init(&w->mu, NULL)) < 0)
        goto out_free;
    if ((rc = -pthread_cond_init(&w->ready, NULL)) < 0)
        goto out_mutex;
    if ((rc = -pthread_cond_init(&w->idle, NULL)) < 0)
        goto out_ready;
    for (; w->n_threads < threads; w->n_threads++) {
        rc = -pthread_create(&w->threads[w->n_threads], NULL, workers_main, w);
        if (rc < 0) {
            http_workers_free(w); /* stops and joins the ones started */
            return rc;
        }
    }
    *ret_workers = w;
    return 0;

out_ready:
    pthread_cond_destroy(&w->ready);
out_mutex:
    pthread_mutex_destroy(&w->mu);
out_free:
    free(w->threads);
    free(w->ring);
    free(w);
    return rc;
}

int http_workers_post(HttpWorkers *workers, HttpWorkFn fn, void *arg)
{
    HttpWorkers *w = workers;
    int rc = 0;
    pthread_mutex_lock(&w->mu);
    if (w->draining) {
        rc = -ESHUTDOWN;
    } else if (w->n == w->cap) {
        rc = -EAGAIN;
    } else {
        w->ring[(w->head + w->n) % w->cap] = (HttpWork){fn, arg};
        w->n++;
        metrics_inc(METRICS_HTTP_JOBS); /* before a worker can take it */
        metrics_inc(METRICS_HTTP_JOBS_QUEUED);
        pthread_cond_signal(&w->ready);
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

void http_workers_drain(HttpWorkers *workers)
{
    HttpWorkers *w = workers;
    pthread_mutex_lock(&w->mu);
    w->draining = true;
    while (w->n > 0 || w->running > 0)
        pthread_cond_wait(&w->idle, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

void http_workers_free(HttpWorkers *workers)
{
    HttpWorkers *w = workers;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->draining = true;
    w->stopping = true;
    pthread_cond_broadcast(&w->ready);
    pthread_mutex_unlock(&w->mu);
    for (unsigned i = 0; i < w->n_threads; i++)
        pthread_join(w->threads[i], NULL);
    pthread_cond_destroy(&w->idle);
    pthread_cond_destroy(&w->ready);
    pthread_mutex_destroy(&w->mu);
    free(w->threads);
    free(w->ring);
    free(w);
}
