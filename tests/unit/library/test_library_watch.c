/*
 * test_library_watch.c - the folder watcher on real inotify in a temp dir: a new file is
 * reported with its folder after the debounce, a burst of changes gives one callback, a new
 * subfolder gets a watch, and hidden or `.swazignore` folders are ignored.
 */
#include "library/library_watch.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

/* snprintf that fails the test on truncation. */
__attribute__((format(printf, 3, 4))) static void fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, size, f, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < size);
}

#define DEBOUNCE_MS 1000
#define MAX_SEEN    64

typedef struct Seen {
    pthread_mutex_t mu;
    int calls;
    int full_calls;
    size_t n;
    char paths[MAX_SEEN][1024];
    int64_t last_call_ms;
} Seen;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void on_change(void *ctx, const char *const *paths, size_t n)
{
    Seen *s = ctx;
    pthread_mutex_lock(&s->mu);
    s->calls++;
    if (n == 0)
        s->full_calls++;
    for (size_t i = 0; i < n && s->n < MAX_SEEN; i++)
        fmt(s->paths[s->n++], sizeof(s->paths[0]), "%s", paths[i]);
    s->last_call_ms = now_ms();
    pthread_mutex_unlock(&s->mu);
}

static int calls(Seen *s)
{
    pthread_mutex_lock(&s->mu);
    int c = s->calls;
    pthread_mutex_unlock(&s->mu);
    return c;
}

static bool seen_path(Seen *s, const char *path)
{
    pthread_mutex_lock(&s->mu);
    bool found = false;
    for (size_t i = 0; i < s->n; i++)
        found |= strcmp(s->paths[i], path) == 0;
    pthread_mutex_unlock(&s->mu);
    return found;
}

static void reset(Seen *s)
{
    pthread_mutex_lock(&s->mu);
    s->calls = s->full_calls = 0;
    s->n = 0;
    pthread_mutex_unlock(&s->mu);
}

/* Waits up to `ms` for at least `n` callbacks. */
static bool wait_calls(Seen *s, int n, long ms)
{
    for (long waited = 0; waited < ms; waited += 20) {
        if (calls(s) >= n)
            return true;
        sleep_ms(20);
    }
    return calls(s) >= n;
}

static void wait_count(LibraryWatch *w, size_t n)
{
    for (int i = 0; i < 500 && library_watch_count(w) < n; i++)
        sleep_ms(10);
    assert_int_equal(library_watch_count(w), n);
}

static void touch(const char *dir, const char *rel)
{
    char p[1100];
    fmt(p, sizeof(p), "%s/%s", dir, rel);
    testutil_write_file(p, "x", 1);
}

static void mk(const char *dir, const char *rel, char *out)
{
    fmt(out, 1100, "%s/%s", dir, rel);
    assert_int_equal(mkdir(out, 0755), 0);
}

typedef struct Fixture {
    char *dir;
    char a[1100], b[1100], hidden[1100], ign[1100];
    Seen seen;
    LibraryWatch *w;
} Fixture;

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->dir = testutil_tmpdir();
    mk(f->dir, "a", f->a);
    mk(f->dir, "b", f->b);
    mk(f->dir, ".hidden", f->hidden);
    mk(f->dir, "ign", f->ign);
    touch(f->ign, ".swazignore");
    char sub[1300];
    mk(f->ign, "sub", sub);
    pthread_mutex_init(&f->seen.mu, NULL);
    LibraryFolder folder = {"music", f->dir};
    assert_int_equal(library_watch_new(&folder, 1, DEBOUNCE_MS, on_change, &f->seen, &f->w), 0);
    wait_count(f->w, 3); /* the root, a and b */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    library_watch_free(f->w);
    pthread_mutex_destroy(&f->seen.mu);
    testutil_rmrf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void test_new_file_after_debounce(void **state)
{
    Fixture *f = *state;
    int64_t t0 = now_ms();
    touch(f->a, "song.mp3");
    assert_true(wait_calls(&f->seen, 1, DEBOUNCE_MS + 3000));
    assert_true(f->seen.last_call_ms - t0 >= DEBOUNCE_MS - 50);
    assert_true(seen_path(&f->seen, f->a));
    assert_int_equal(f->seen.full_calls, 0);
    assert_int_equal(f->seen.n, 1);
    sleep_ms(300);
    assert_int_equal(calls(&f->seen), 1);
}

static void test_burst_is_one_callback(void **state)
{
    Fixture *f = *state;
    for (int i = 0; i < 30; i++) {
        char rel[32];
        fmt(rel, sizeof(rel), "f%02d.flac", i);
        touch(i % 2 ? f->a : f->b, rel);
        if (i % 10 == 0)
            sleep_ms(50);
    }
    char gone[1300];
    fmt(gone, sizeof(gone), "%s/f01.flac", f->a);
    assert_int_equal(unlink(gone), 0);
    assert_true(wait_calls(&f->seen, 1, DEBOUNCE_MS + 3000));
    sleep_ms(DEBOUNCE_MS + 300);
    assert_int_equal(calls(&f->seen), 1);
    assert_true(seen_path(&f->seen, f->a));
    assert_true(seen_path(&f->seen, f->b));
    assert_int_equal(f->seen.n, 2);
}

static void test_new_subfolder_is_watched(void **state)
{
    Fixture *f = *state;
    char c[1100], d[1100];
    mk(f->dir, "c", c);
    mk(c, "d", d); /* may be made before the watch on c exists */
    assert_true(wait_calls(&f->seen, 1, DEBOUNCE_MS + 3000));
    assert_true(seen_path(&f->seen, c));
    wait_count(f->w, 5);
    reset(&f->seen);
    touch(d, "new.ogg");
    assert_true(wait_calls(&f->seen, 1, DEBOUNCE_MS + 3000));
    assert_true(seen_path(&f->seen, d));
    /* A folder moved in from outside is watched as well. */
    reset(&f->seen);
    char outside[1300], moved[1300];
    fmt(outside, sizeof(outside), "%s-outside", f->dir);
    assert_int_equal(mkdir(outside, 0755), 0);
    fmt(moved, sizeof(moved), "%s/moved", f->dir);
    assert_int_equal(rename(outside, moved), 0);
    assert_true(wait_calls(&f->seen, 1, DEBOUNCE_MS + 3000));
    assert_true(seen_path(&f->seen, moved));
    wait_count(f->w, 6);
}

static void test_ignored_folders(void **state)
{
    Fixture *f = *state;
    char sub[1300];
    fmt(sub, sizeof(sub), "%s/sub", f->ign);
    touch(f->ign, "x.mp3");
    touch(sub, "y.mp3");
    touch(f->hidden, "z.mp3");
    touch(f->dir, ".dotfile");
    sleep_ms(DEBOUNCE_MS + 700);
    assert_int_equal(calls(&f->seen), 0);
    assert_int_equal(library_watch_count(f->w), 3);
    /* A new folder that holds .swazignore gets no watch after the event. */
    char newign[1300];
    fmt(newign, sizeof(newign), "%s/.tmp-newign", f->dir);
    assert_int_equal(mkdir(newign, 0755), 0);
    touch(newign, ".swazignore");
    char dest[1300];
    fmt(dest, sizeof(dest), "%s/newign", f->dir);
    assert_int_equal(rename(newign, dest), 0);
    sleep_ms(DEBOUNCE_MS + 700);
    assert_int_equal(calls(&f->seen), 0); /* the only change is an ignored folder */
    assert_int_equal(library_watch_count(f->w), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_file_after_debounce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_burst_is_one_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_subfolder_is_watched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ignored_folders, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
