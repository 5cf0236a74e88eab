/* test_api_transcode.c - the transcode registry: total and per-user limits, workers that
 * stop when their pipe is cancelled, and a free that waits for them. */
#include "api/api_transcode.h"
#include "core/err.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_and_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
