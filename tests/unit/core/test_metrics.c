/* test_metrics.c - counters from several threads, gauges, status classes, the text format. */
#include "core/err.h"
#include "core/metrics.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define THREADS 4
#define ROUNDS  10000

static void *count(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++)
        metrics_inc(METRICS_TRANSCODES_STARTED);
    return NULL;
}

static void test_counters_across_threads(void **state)
{
    (void)state;
    int64_t before = metrics_get(METRICS_TRANSCODES_STARTED);
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, count, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(metrics_get(METRICS_TRANSCODES_STARTED) - before, THREADS * ROUNDS);
    assert_int_equal(metrics_get(METRICS_COUNT), 0);
    metrics_inc(METRICS_COUNT); /* out of range: ignored */
}

static void test_gauges_and_status(void **state)
{
    (void)state;
    metrics_add(METRICS_LIVE_STREAMS, 3);
    metrics_add(METRICS_LIVE_STREAMS, -2);
    assert_int_equal(metrics_get(METRICS_LIVE_STREAMS), 1);
    metrics_set(METRICS_TCACHE_BYTES, 12345);
    assert_int_equal(metrics_get(METRICS_TCACHE_BYTES), 12345);
    int64_t ok = metrics_get(METRICS_HTTP_2XX), bad = metrics_get(METRICS_HTTP_4XX);
    metrics_http_status(200);
    metrics_http_status(206);
    metrics_http_status(429);
    metrics_http_status(99);
    metrics_http_status(600);
    assert_int_equal(metrics_get(METRICS_HTTP_2XX) - ok, 2);
    assert_int_equal(metrics_get(METRICS_HTTP_4XX) - bad, 1);
}

static void test_render(void **state)
{
    (void)state;
    metrics_set(METRICS_TCACHE_FILES, 7);
    Buf b;
    buf_init(&b, 64 * 1024);
    assert_int_equal(metrics_render(&b), 0);
    assert_non_null(strstr(b.data, "# TYPE swaz_http_requests_total counter\n"));
    assert_non_null(strstr(b.data, "swaz_http_requests_total{class=\"2xx\"} "));
    assert_non_null(strstr(b.data, "# TYPE swaz_transcode_cache_files gauge\n"
                                   "swaz_transcode_cache_files 7\n"));
    /* HELP/TYPE once per name, even with several label sets. */
    const char *first = strstr(b.data, "# TYPE swaz_http_requests_total");
    assert_null(strstr(first + 1, "# TYPE swaz_http_requests_total"));
    /* Every line is a comment or "name[{labels}] value". */
    for (char *line = b.data; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_true(line[0] == '#' || strncmp(line, "swaz_", 5) == 0);
        line = nl + 1;
    }
    buf_free(&b);

    Buf small;
    buf_init(&small, 32);
    assert_int_equal(metrics_render(&small), ERR_LIMIT);
    buf_free(&small);
}

static void test_process(void **state)
{
    (void)state;
    Buf b;
    buf_init(&b, 64 * 1024);
    assert_int_equal(metrics_render_process(&b), 0);
    const char *rss = strstr(b.data, "\nprocess_resident_memory_bytes ");
    assert_non_null(rss);
    assert_true(atoll(strchr(rss + 1, ' ') + 1) > 100 * 1024); /* test-only: atoll */
    assert_non_null(strstr(b.data, "# TYPE process_cpu_seconds_total counter\n"));
    const char *fds = strstr(b.data, "\nprocess_open_fds ");
    assert_non_null(fds);
    assert_true(atoll(strchr(fds + 1, ' ') + 1) >= 3); /* stdin, stdout, stderr */
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_across_threads),
        cmocka_unit_test(test_gauges_and_status),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
