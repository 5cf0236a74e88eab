/*
 * media_gate.c - the starting-transcodes counter and the bounded waits of those ahead.
 *
 * `starting` is atomic so that the common case (nobody starting) costs one load per encoder
 * frame; it changes under `mu`, and `cv` (on the monotonic clock) is broadcast when it
 * drops to zero. A waiting transcode rechecks the count and its own deadline on each wake.
 */
#include "media/media_gate.h"

#include "core/limits.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct MediaGate {
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* broadcast when `starting` drops to 0 */
    atomic_uint starting; /* written under mu */
};

static int64_t gate_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

MediaGate *media_gate_new(void)
{
    MediaGate *g = calloc(1, sizeof(*g));
    if (!g)
        goto out;
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        goto out_free;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int e = pthread_cond_init(&g->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (e != 0)
        goto out_free;
    if (pthread_mutex_init(&g->mu, NULL) != 0)
        goto out_destroy_cv;
    atomic_init(&g->starting, 0);
    return g;

out_destroy_cv:
    pthread_cond_destroy(&g->cv);
out_free:
    free(g);
out:
    return NULL;
}

void media_gate_free(MediaGate *gate)
{
    if (!gate)
        return;
    pthread_mutex_destroy(&gate->mu);
    pthread_cond_destroy(&gate->cv);
    free(gate);
}

unsigned media_gate_starting(MediaGate *gate)
{
    return gate ? atomic_load(&gate->starting) : 0;
}

void media_gate_enter(MediaGate *gate, MediaGateStream *s)
{
    *s = (MediaGateStream){.gate = gate, .first_ms = -1};
    if (!gate)
        return;
    pthread_mutex_lock(&gate->mu);
    atomic_fetch_add(&gate->starting, 1);
    pthread_mutex_unlock(&gate->mu);
    s->starting = true;
}

/* No longer counted as starting; wakes the waiters when nobody is. */
static void gate_unstart(MediaGateStream *s)
{
    if (!s->starting)
        return;
    s->starting = false;
    pthread_mutex_lock(&s->gate->mu);
    if (atomic_fetch_sub(&s->gate->starting, 1) == 1)
        pthread_cond_broadcast(&s->gate->cv);
    pthread_mutex_unlock(&s->gate->mu);
}

/* Raises the calling thread's nice value by MEDIA_GATE_NICE (at most 19). */
static void gate_yield_priority(void)
{
    id_t tid = (id_t)syscall(SYS_gettid);
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, tid); /* -1 is a valid answer: errno tells */
    if (errno == 0)
        setpriority(PRIO_PROCESS, tid, nice + MEDIA_GATE_NICE > 19 ? 19 : nice + MEDIA_GATE_NICE);
}

void media_gate_started(MediaGateStream *s)
{
    if (!s->gate || !s->starting)
        return;
    gate_unstart(s);
    gate_yield_priority();
}

/* Waits until nobody is starting or `until` (monotonic ms). Returns the time it returned. */
static int64_t gate_wait(MediaGate *g, int64_t until)
{
    struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (long)(until % 1000) * 1000000L};
    pthread_mutex_lock(&g->mu);
    while (atomic_load(&g->starting) > 0 &&
           pthread_cond_timedwait(&g->cv, &g->mu, &ts) != ETIMEDOUT) {
    }
    pthread_mutex_unlock(&g->mu);
    return gate_now_ms();
}

void media_gate_pace(MediaGateStream *s, int64_t audio_ms)
{
    if (!s->gate || s->starting)
        return;
    if (atomic_load(&s->gate->starting) == 0) {
        if (s->first_ms < 0)
            s->first_ms = gate_now_ms();
        return;
    }
    int64_t now = gate_now_ms();
    if (s->first_ms < 0) { /* its head is out, its audio not yet: the starting go first */
        int64_t end = gate_wait(s->gate, now + LIMIT_TRANSCODE_START_HOLD_MS);
        s->held_ms = end - now;
        s->first_ms = end;
        return;
    }
    int64_t lead = audio_ms - (now - s->first_ms);
    if (lead < LIMIT_TRANSCODE_LEAD_MS)
        return;
    int64_t wait = lead - LIMIT_TRANSCODE_LEAD_MS / 2;
    gate_wait(s->gate,
              now + (wait < LIMIT_TRANSCODE_GATE_WAIT_MS ? wait : LIMIT_TRANSCODE_GATE_WAIT_MS));
}

void media_gate_leave(MediaGateStream *s)
{
    if (s->gate)
        gate_unstart(s);
}
