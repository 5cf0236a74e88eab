/* test_media_gate.c - the starting-transcodes gate: counting, a started transcode's first
 * audio held while another starts (and released when it has started, or after the hold
 * limit), a transcode ahead of real time waiting a bounded time, one behind never waiting,
 * the lower priority once started, and the no-op NULL gate. */
#include "core/limits.h"
#include "media/media_gate.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int my_nice(void)
{
    return getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
}

/* A transcode on its own thread: enters, starts, then paces at `audio_ms`. */
typedef struct Pacer {
    MediaGate *gate;
    MediaGateStream s;
    int64_t audio_ms;
    int64_t waited_ms; /* how long media_gate_pace() took */
    int nice_before;
    int nice_after;
} Pacer;

static void *pacer_run(void *arg)
{
    Pacer *p = arg;
    p->nice_before = my_nice();
    media_gate_enter(p->gate, &p->s);
    media_gate_started(&p->s);
    p->nice_after = my_nice();
    int64_t t0 = now_ms();
    media_gate_pace(&p->s, p->audio_ms);
    p->waited_ms = now_ms() - t0;
    media_gate_leave(&p->s);
    return NULL;
}

static void test_counts_starting(void **state)
{
    (void)state;
    MediaGate *g = media_gate_new();
    assert_non_null(g);
    MediaGateStream a, b;
    media_gate_enter(g, &a);
    media_gate_enter(g, &b);
    assert_int_equal(media_gate_starting(g), 2);
    media_gate_leave(&a); /* failed before it started */
    assert_int_equal(media_gate_starting(g), 1);
    media_gate_leave(&a); /* twice: counted once */
    assert_int_equal(media_gate_starting(g), 1);
    media_gate_started(&b);
    assert_int_equal(media_gate_starting(g), 0);
    media_gate_started(&b);
    media_gate_leave(&b);
    assert_int_equal(media_gate_starting(g), 0);
    media_gate_free(g);
    media_gate_free(NULL);
}

static void test_null_gate_is_a_no_op(void **state)
{
    (void)state;
    MediaGateStream s;
    int nice = my_nice();
    media_gate_enter(NULL, &s);
    media_gate_started(&s);
    int64_t t0 = now_ms();
    media_gate_pace(&s, 1000000);
    assert_true(now_ms() - t0 < 50);
    media_gate_leave(&s);
    assert_int_equal(my_nice(), nice);
    assert_int_equal(media_gate_starting(NULL), 0);
}

/* Alone at the gate: nothing waits, whatever the lead; the thread's priority drops. */
static void test_alone_never_waits(void **state)
{
    (void)state;
    MediaGate *g = media_gate_new();
    Pacer p = {.gate = g, .audio_ms = 1000000};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, pacer_run, &p), 0);
    pthread_join(th, NULL);
    assert_true(p.waited_ms < 50);
    int want = p.nice_before + MEDIA_GATE_NICE > 19 ? 19 : p.nice_before + MEDIA_GATE_NICE;
    assert_int_equal(p.nice_after, want);
    media_gate_free(g);
}

/* While another starts, a started transcode holds its first audio until that one has
 * started. */
static void test_first_audio_waits_for_a_start(void **state)
{
    (void)state;
    MediaGate *g = media_gate_new();
    MediaGateStream other;
    media_gate_enter(g, &other);
    Pacer p = {.gate = g, .audio_ms = 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, pacer_run, &p), 0);
    usleep(100 * 1000);
    media_gate_started(&other); /* lowers this thread's priority too: harmless here */
    int64_t released = now_ms();
    pthread_join(th, NULL);
    assert_true(p.waited_ms >= 90);
    assert_true(now_ms() - released < 100);
    assert_true(p.s.held_ms >= 90);
    assert_true(p.s.first_ms > 0);
    media_gate_leave(&other);
    media_gate_free(g);
}

/* A transcode that never starts holds the others' first audio at most the hold limit. */
static void test_first_audio_hold_is_bounded(void **state)
{
    (void)state;
    MediaGate *g = media_gate_new();
    MediaGateStream stuck;
    media_gate_enter(g, &stuck);
    Pacer p = {.gate = g, .audio_ms = 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, pacer_run, &p), 0);
    pthread_join(th, NULL);
    assert_true(p.waited_ms >= LIMIT_TRANSCODE_START_HOLD_MS - 10);
    assert_true(p.waited_ms < LIMIT_TRANSCODE_START_HOLD_MS + 500);
    /* Its audio is out now: behind the lead it goes on at once. */
    int64_t t0 = now_ms();
    media_gate_pace(&p.s, 20);
    assert_true(now_ms() - t0 < 50);
    media_gate_leave(&stuck);
    media_gate_free(g);
}

/* A transcode far ahead of real time waits while another starts, at most the wait limit;
 * one behind the lead never waits. */
static void test_ahead_waits_behind_does_not(void **state)
{
    (void)state;
    MediaGate *g = media_gate_new();
    MediaGateStream s;
    media_gate_enter(g, &s);
    media_gate_started(&s);
    media_gate_pace(&s, 0); /* nobody starting: its first audio goes at once */
    assert_true(s.first_ms > 0);

    MediaGateStream other;
    media_gate_enter(g, &other);
    int64_t t0 = now_ms();
    media_gate_pace(&s, LIMIT_TRANSCODE_LEAD_MS / 2); /* behind the lead */
    assert_true(now_ms() - t0 < 50);
    t0 = now_ms();
    media_gate_pace(&s, 60 * 1000); /* a minute ahead */
    int64_t waited = now_ms() - t0;
    assert_true(waited >= LIMIT_TRANSCODE_GATE_WAIT_MS - 10);
    assert_true(waited < LIMIT_TRANSCODE_GATE_WAIT_MS + 500);
    media_gate_leave(&other); /* failed while starting: nobody is now */
    t0 = now_ms();
    media_gate_pace(&s, 60 * 1000);
    assert_true(now_ms() - t0 < 50);
    media_gate_leave(&s);
    media_gate_free(g);
}

/* A transcode that is itself starting never waits in pace. */
static void test_starting_itself_never_waits(void **state)
{
    (void)state;
    MediaGate *g = media_gate_new();
    MediaGateStream s, other;
    media_gate_enter(g, &s);
    media_gate_enter(g, &other);
    int64_t t0 = now_ms();
    media_gate_pace(&s, 60 * 1000);
    assert_true(now_ms() - t0 < 50);
    media_gate_leave(&s);
    media_gate_leave(&other);
    media_gate_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_starting),
        cmocka_unit_test(test_null_gate_is_a_no_op),
        cmocka_unit_test(test_alone_never_waits),
        cmocka_unit_test(test_first_audio_waits_for_a_start),
        cmocka_unit_test(test_first_audio_hold_is_bounded),
        cmocka_unit_test(test_ahead_waits_behind_does_not),
        cmocka_unit_test(test_starting_itself_never_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
