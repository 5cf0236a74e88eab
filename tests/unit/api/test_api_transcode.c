/* test_api_transcode.c - the transcode registry: total and per-user limits, workers that
 * stop when their pipe is cancelled, and a free that waits for them. */
#include "api/api_transcode.h"
#include "core/err.h"
#include "core/metrics.h"
#include "http/http_internal.h"
#include "http/http_live.h"
#include "media/media_probe.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "testutil.h"

/* Starts a job for `user` on a small pipe; on success keeps a reference for the test. */
static int start(ApiTranscodes *t, const char *user, const char *path, HttpLive **ret_live)
{
    HttpLive *live = http_live_new(4096); /* fills at once: the worker blocks */
    assert_non_null(live);
    MediaTranscodeOptions o = {.format = MEDIA_TRANSCODE_MP3, .bitrate_kbps = 320};
    http_live_ref(live);
    int r = api_transcodes_start(t, user, path, &o, live);
    if (r < 0) {
        http_live_unref(live);
        http_live_unref(live);
        return r;
    }
    *ret_live = live;
    return 0;
}

static void test_limits_and_cancel(void **state)
{
    (void)state;
    media_init();
    char *dir = testutil_tmpdir();
    char path[1024];
    snprintf(path, sizeof(path), "%s/long.wav", dir);
    testutil_write_wav(path, 30.0, NULL);

    ApiTranscodes *t = api_transcodes_new(2); /* one per user */
    assert_non_null(t);
    assert_null(api_transcodes_new(0));
    HttpLive *a, *b, *again, *unused = NULL;
    assert_int_equal(start(t, "alice", path, &a), 0);
    assert_int_equal(start(t, "alice", path, &unused), ERR_LIMIT);
    assert_int_equal(start(t, "bob", path, &b), 0);
    assert_int_equal(start(t, "carol", path, &unused), ERR_LIMIT);
    assert_null(unused);

    /* Alice's client leaves: her worker ends and gives the slot back. */
    http_live_abandon(a);
    int r = ERR_LIMIT;
    for (int i = 0; i < 500 && r == ERR_LIMIT; i++) {
        r = start(t, "alice", path, &again);
        if (r == ERR_LIMIT)
            nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
    assert_int_equal(r, 0);

    /* The server stops: every pipe is cancelled, free waits for the workers. */
    http_live_abandon(again);
    http_live_abandon(b);
    api_transcodes_free(t);
    api_transcodes_free(NULL);
    testutil_rmrf(dir);
    free(dir);
}

/* Starts a cached stream of `path` for `user` on a small pipe, keeping a reference. */
static int start_cached(ApiTranscodes *t, MediaTcache *c, const char *user, const char *path,
                        HttpLive **ret_live)
{
    HttpLive *live = http_live_new(4096);
    assert_non_null(live);
    MediaTranscodeOptions o = {.format = MEDIA_TRANSCODE_MP3, .bitrate_kbps = 128};
    MediaTcacheKey key = {"song42", path, o.format, o.bitrate_kbps};
    http_live_ref(live);
    int r = api_transcodes_start_cached(t, user, c, &key, &o, live);
    if (r < 0) {
        http_live_unref(live);
        http_live_unref(live);
        return r;
    }
    *ret_live = live;
    return 0;
}

static void test_cached_streams_share_one_encoder(void **state)
{
    (void)state;
    media_init();
    char *dir = testutil_tmpdir();
    char path[1024], cache_dir[1024];
    snprintf(path, sizeof(path), "%s/long.wav", dir);
    snprintf(cache_dir, sizeof(cache_dir), "%s/transcodes", dir);
    testutil_write_wav(path, 120.0, NULL);
    MediaTcache *c;
    assert_int_equal(media_tcache_new(cache_dir, 64u << 20, &c), 0);
    ApiTranscodes *t = api_transcodes_new(2); /* one per user */
    assert_non_null(t);

    int64_t started = metrics_get(METRICS_TRANSCODES_STARTED);
    int64_t joins = metrics_get(METRICS_TCACHE_JOINS);
    HttpLive *a, *b, *unused = NULL;
    assert_int_equal(start_cached(t, c, "alice", path, &a), 0);
    assert_int_equal(start_cached(t, c, "bob", path, &b), 0);
    /* Each stream holds a slot of its user even when it only follows. */
    assert_int_equal(start_cached(t, c, "bob", path, &unused), ERR_LIMIT);
    assert_int_equal(metrics_get(METRICS_TCACHE_JOINS) - joins, 1);
    for (int i = 0; i < 500 && metrics_get(METRICS_TRANSCODES_STARTED) == started; i++)
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL); /* thread start */
    assert_int_equal(metrics_get(METRICS_TRANSCODES_STARTED) - started, 1);

    /* Both listeners leave: the encoder stops and free waits for every thread. */
    int64_t cancelled = metrics_get(METRICS_TRANSCODES_CANCELLED);
    http_live_abandon(a);
    http_live_abandon(b);
    api_transcodes_free(t);
    assert_int_equal(metrics_get(METRICS_TRANSCODES_RUNNING), 0);
    int64_t finished = metrics_get(METRICS_TRANSCODES_FINISHED);
    assert_int_equal(metrics_get(METRICS_TRANSCODES_CANCELLED) - cancelled +
                         (metrics_get(METRICS_TRANSCODES_FINISHED) - finished),
                     1);
    media_tcache_free(c);
    testutil_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_and_cancel),
        cmocka_unit_test(test_cached_streams_share_one_encoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
