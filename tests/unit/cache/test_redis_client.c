/*
 * test_redis_client.c - unit tests of redis_client.h.
 *
 * URL parsing and connection failures need no server. The rest runs against the Redis
 * named by SWAZ_TEST_REDIS_URL (scripts/services.sh gives a unix socket) and is reported
 * skipped when it is unset. The reconnect case kills only this process's own connection
 * (found by its "swaz-<pid>" name), so other tests sharing the server are not disturbed.
 */
#include "cache/redis_client.h"
#include "core/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

/* Returns SWAZ_TEST_REDIS_URL or skips the test. */
static const char *test_redis_url(void)
{
    const char *url = getenv("SWAZ_TEST_REDIS_URL");
    if (!url || !*url) {
        print_message("# SWAZ_TEST_REDIS_URL is not set: case skipped\n");
        skip();
    }
    return url;
}

/* Returns the socket path of a unix:// or redis+unix:// URL, or skips the test. */
static const char *test_redis_socket(const char *url, char *buf, size_t size)
{
    const char *path = NULL;
    if (strncmp(url, "unix://", 7) == 0)
        path = url + 7;
    else if (strncmp(url, "redis+unix://", 13) == 0)
        path = url + 13;
    if (!path || path[0] != '/') {
        print_message("# SWAZ_TEST_REDIS_URL is not a plain unix socket URL: case skipped\n");
        skip();
    }
    snprintf(buf, size, "%s", path);
    char *q = strchr(buf, '?');
    if (q)
        *q = '\0';
    return buf;
}

static double test_seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_bad_urls(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "http://localhost/",
        "redis:/localhost",
        "redis://",
        "redis://:6379",
        "redis://localhost:0",
        "redis://localhost:65536",
        "redis://localhost:abc",
        "redis://localhost:",
        "redis://localhost/abc",
        "redis://localhost/-1",
        "redis://localhost/1?x=y",
        "redis://justuser@localhost",
        "redis://:%zz@localhost",
        "redis://[::1",
        "unix://",
        "unix://relative.sock",
        "unix:///",
        "unix:///tmp/r.sock?db=x",
        "unix:///tmp/r.sock?color=blue",
        "redis+unix://tmp/r.sock",
    };
    RedisClient *sentinel = (RedisClient *)0x1;
    RedisClient *c = sentinel;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = redis_client_open(bad[i], &c);
        if (r != -EINVAL)
            fail_msg("redis_client_open(\"%s\") = %d, want -EINVAL", bad[i], r);
    }
    assert_int_equal(redis_client_open(NULL, &c), -EINVAL);
    assert_ptr_equal(c, sentinel);
    redis_client_close(NULL);
}

static void test_unreachable_fails_fast(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "redis://127.0.0.1:1",                 /* refused at once */
        "redis://:s3cret@127.0.0.1:1/2",       /* same, with a password */
        "unix:///nonexistent-swaz-dir/r.sock", /* no such socket */
    };
    RedisClient *sentinel = (RedisClient *)0x1;
    RedisClient *c = sentinel;
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(redis_client_open(urls[i], &c), ERR_DB);
        assert_true(test_seconds_since(&t0) < 3.0);
        assert_ptr_equal(c, sentinel);
    }
}

static void test_open_ping_close(void **state)
{
    (void)state;
    const char *url = test_redis_url();
    RedisClient *c = NULL;
    char err[256];
    assert_int_equal(redis_client_open(url, &c), 0);
    assert_int_equal(redis_client_ping(c), 0);
    assert_int_equal(redis_client_ping(c), 0);
    redis_client_errmsg(c, err, sizeof(err));
    assert_string_equal(err, "");
    assert_non_null(redis_client_describe(c));
    redis_client_close(c);
}

static void test_unix_socket_urls(void **state)
{
    (void)state;
    char path[256];
    char url[512];
    RedisClient *c = NULL;
    test_redis_socket(test_redis_url(), path, sizeof(path));

    snprintf(url, sizeof(url), "unix://%s", path);
    assert_int_equal(redis_client_open(url, &c), 0);
    assert_string_equal(redis_client_describe(c), url);
    assert_int_equal(redis_client_ping(c), 0);
    redis_client_close(c);

    snprintf(url, sizeof(url), "redis+unix://%s?db=1", path);
    assert_int_equal(redis_client_open(url, &c), 0);
    assert_int_equal(redis_client_ping(c), 0);
    redis_client_close(c);

    /* A database the server does not have: SELECT fails, so does the open. */
    snprintf(url, sizeof(url), "unix://%s?db=100000", path);
    assert_int_equal(redis_client_open(url, &c), ERR_DB);
}

static void test_wrong_password_fails(void **state)
{
    (void)state;
    char path[256];
    char url[512];
    RedisClient *c = (RedisClient *)0x1;
    test_redis_socket(test_redis_url(), path, sizeof(path));
    /* The test server has no password (or another one): AUTH fails. */
    snprintf(url, sizeof(url), "unix://%s?password=hunter2-swaz", path);
    assert_int_equal(redis_client_open(url, &c), ERR_DB);
    assert_ptr_equal(c, (RedisClient *)0x1);
}

/* Sends one inline command over a fresh socket and reads the reply into buf. */
static void test_redis_raw(const char *path, const char *cmd, char *buf, size_t size)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    size_t len = strlen(cmd);
    assert_int_equal(write(fd, cmd, len), (ssize_t)len);
    ssize_t n = read(fd, buf, size - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    close(fd);
}

static void test_reconnects_after_drop(void **state)
{
    (void)state;
    char path[256];
    char reply[16384];
    char cmd[128];
    char name[64];
    RedisClient *c = NULL;
    const char *url = test_redis_url();
    test_redis_socket(url, path, sizeof(path));
    assert_int_equal(redis_client_open(url, &c), 0);
    assert_int_equal(redis_client_ping(c), 0);

    /* Find this process's connection by name and kill it. */
    snprintf(name, sizeof(name), " name=swaz-%ld ", (long)getpid());
    test_redis_raw(path, "CLIENT LIST\r\n", reply, sizeof(reply));
    char *line = strstr(reply, name);
    assert_non_null(line);
    while (line > reply && line[-1] != '\n' && line[-1] != '$')
        line--;
    long long id = 0;
    const char *idp = strstr(line, "id=");
    assert_non_null(idp);
    id = strtoll(idp + 3, NULL, 10);
    assert_true(id > 0);
    snprintf(cmd, sizeof(cmd), "CLIENT KILL ID %lld\r\n", id);
    test_redis_raw(path, cmd, reply, sizeof(reply));
    assert_int_equal(strncmp(reply, ":1", 2), 0);

    /* The next ping notices the dropped connection, reconnects and succeeds. */
    assert_int_equal(redis_client_ping(c), 0);
    assert_int_equal(redis_client_ping(c), 0);
    redis_client_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_urls),
        cmocka_unit_test(test_unreachable_fails_fast),
        cmocka_unit_test(test_open_ping_close),
        cmocka_unit_test(test_unix_socket_urls),
        cmocka_unit_test(test_wrong_password_fails),
        cmocka_unit_test(test_reconnects_after_drop),
    };
    return cmocka_run_group_tests_name("redis_client", tests, NULL, NULL) ? 1 : 0;
}
