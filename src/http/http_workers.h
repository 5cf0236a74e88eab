/*
 * http_workers.h - the threads that run request handlers off the event threads.
 *
 * libmicrohttpd's threads read requests and send answers; a request whose answer may block
 * (the database, files, anything but a kept page) is handed here as a job while its
 * connection is suspended, and the job resumes it. A fixed number of threads take jobs in
 * order from one queue whose capacity is fixed at creation (the server's connection limit:
 * a connection has at most one request waiting). Jobs posted and waiting are counted in
 * core/metrics.h (METRICS_HTTP_JOBS, METRICS_HTTP_JOBS_QUEUED). Any thread may post; create
 * and free from one thread.
 */
#ifndef SWAZ_HTTP_WORKERS_H
#define SWAZ_HTTP_WORKERS_H

#include <stddef.h>

typedef struct HttpWorkers HttpWorkers;

/* A job: runs once on a worker thread; owns nothing of the pool. */
typedef void (*HttpWorkFn)(void *arg);

/* Starts `threads` workers (1..LIMIT_THREADS_MAX) sharing a queue of `capacity` jobs
 * (1..LIMIT_CONN_TOTAL_MAX). Returns 0, -EINVAL or -ENOMEM (or another negative errno when a
 * thread cannot start). Caller frees with http_workers_free(). */
int http_workers_new(unsigned threads, size_t capacity, HttpWorkers **ret_workers);

/* Queues fn(arg). Returns 0; -EAGAIN when the queue is full; -ESHUTDOWN once
 * http_workers_drain() began. On failure fn is never called. */
int http_workers_post(HttpWorkers *workers, HttpWorkFn fn, void *arg);

/* Refuses new jobs, then waits until every queued job has run and returned. */
void http_workers_drain(HttpWorkers *workers);

/* Drains, stops the threads and frees the pool. NULL is a no-op. */
void http_workers_free(HttpWorkers *workers);

#endif
