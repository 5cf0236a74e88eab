/*
 * test_http_workers.c - the handler pool: every job runs once, one worker takes them in
 * order, a full ring and a drained pool refuse posts, freeing runs what was queued, and the
 * metrics count the jobs posted and waiting.
 */
#include "core/limits.h"
#include "core/metrics.h"
#include "http/http_workers.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define JOBS 1000

static atomic_int ran;
static int order[JOBS];
static atomic_int next_slot;

static void job_count(void *arg)
{
    (void)arg;
    atomic_fetch_add(&ran, 1);
}

static void job_record(void *arg)
{
    order[atomic_fetch_add(&next_slot, 1)] = (int)(intptr_t)arg;
}

/* A job that waits until the test opens the gate. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static atomic_int waiting;

static void job_wait(void *arg)
{
    (void)arg;
    atomic_fetch_add(&waiting, 1);
    pthread_mutex_lock(&gate_mu);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    atomic_fetch_add(&ran, 1);
}

static void gate_set(bool open)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = open;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    HttpWorkers *w = NULL;
    assert_int_equal(http_workers_new(0, 4, &w), -EINVAL);
    assert_int_equal(http_workers_new(LIMIT_THREADS_MAX + 1, 4, &w), -EINVAL);
    assert_int_equal(http_workers_new(1, 0, &w), -EINVAL);
    assert_int_equal(http_workers_new(1, LIMIT_CONN_TOTAL_MAX + 1, &w), -EINVAL);
    assert_null(w);
    http_workers_free(NULL);
}

/* Four workers, jobs posted from the test thread: each runs exactly once. */
static void test_every_job_runs_once(void **state)
{
    (void)state;
    HttpWorkers *w;
    assert_int_equal(http_workers_new(4, JOBS, &w), 0);
    atomic_store(&ran, 0);
    for (int i = 0; i < JOBS; i++)
        assert_int_equal(http_workers_post(w, job_count, NULL), 0);
    http_workers_drain(w);
    assert_int_equal(atomic_load(&ran), JOBS);
    assert_int_equal(metrics_get(METRICS_HTTP_JOBS_QUEUED), 0);
    assert_int_equal(http_workers_post(w, job_count, NULL), -ESHUTDOWN);
    http_workers_free(w);
    assert_int_equal(atomic_load(&ran), JOBS);
}

/* One worker takes the jobs in the order they were posted. */
static void test_one_worker_keeps_order(void **state)
{
    (void)state;
    HttpWorkers *w;
    assert_int_equal(http_workers_new(1, 16, &w), 0);
    atomic_store(&next_slot, 0);
    int posted = 0;
    while (posted < JOBS) {
        int r = http_workers_post(w, job_record, (void *)(intptr_t)posted);
        if (r == -EAGAIN)
            continue; /* the ring of 16 is full: the worker frees a place soon */
        assert_int_equal(r, 0);
        posted++;
    }
    http_workers_free(w); /* runs what is still queued */
    assert_int_equal(atomic_load(&next_slot), JOBS);
    for (int i = 0; i < JOBS; i++)
        assert_int_equal(order[i], i);
}

/* With the only worker busy, the ring fills to its capacity and refuses the next post;
 * freeing the pool still runs every queued job. */
static void test_full_ring(void **state)
{
    (void)state;
    HttpWorkers *w;
    assert_int_equal(http_workers_new(1, 3, &w), 0);
    gate_set(false);
    atomic_store(&ran, 0);
    atomic_store(&waiting, 0);
    assert_int_equal(http_workers_post(w, job_wait, NULL), 0);
    while (atomic_load(&waiting) == 0)
        ; /* the worker took it */
    for (int i = 0; i < 3; i++)
        assert_int_equal(http_workers_post(w, job_wait, NULL), 0);
    assert_int_equal(metrics_get(METRICS_HTTP_JOBS_QUEUED), 3);
    int64_t posted = metrics_get(METRICS_HTTP_JOBS);
    assert_int_equal(http_workers_post(w, job_wait, NULL), -EAGAIN);
    assert_int_equal(metrics_get(METRICS_HTTP_JOBS), posted); /* a refused post is no job */
    gate_set(true);
    http_workers_free(w);
    assert_int_equal(atomic_load(&ran), 4);
    assert_int_equal(metrics_get(METRICS_HTTP_JOBS_QUEUED), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_every_job_runs_once),
        cmocka_unit_test(test_one_worker_keeps_order),
        cmocka_unit_test(test_full_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
