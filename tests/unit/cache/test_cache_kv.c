/*
 * test_cache_kv.c - the shared cache: get/set/del, expiry, counters, limits and eviction in
 * process; the same contract against Redis when SWAZ_TEST_REDIS_URL is set (keys unique to
 * this run, so parallel runs sharing the server do not collide).
 */
#include "cache/cache_kv.h"
#include "cache/redis_client.h"
#include "core/err.h"
#include "core/limits.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

/* The contract both backends share; `tag` makes keys unique to this run. */
static void kv_contract(CacheKv *c, const char *tag)
{
    Arena *a = arena_new(1 << 20);
    char key[128], other[128], counter[128];
    snprintf(key, sizeof(key), "test:%s:k", tag);
    snprintf(other, sizeof(other), "test:%s:other", tag);
    snprintf(counter, sizeof(counter), "test:%s:version", tag);
    char *v;
    size_t len;
    assert_int_equal(cache_kv_get(c, a, key, &v, &len), -ENOENT);
    assert_int_equal(cache_kv_set(c, key, "hello\0world", 11, 60), 0);
    assert_int_equal(cache_kv_get(c, a, key, &v, &len), 0);
    assert_int_equal(len, 11);
    assert_memory_equal(v, "hello\0world", 11);
    assert_int_equal(v[11], '\0');
    assert_int_equal(cache_kv_set(c, key, "x", 1, 60), 0); /* replace */
    assert_int_equal(cache_kv_get(c, a, key, &v, &len), 0);
    assert_string_equal(v, "x");
    assert_int_equal(cache_kv_set(c, other, "", 0, 60), 0);
    assert_int_equal(cache_kv_get(c, a, other, &v, &len), 0);
    assert_int_equal(len, 0);
    assert_int_equal(cache_kv_del(c, key), 0);
    assert_int_equal(cache_kv_get(c, a, key, &v, &len), -ENOENT);
    assert_int_equal(cache_kv_del(c, key), 0);

    /* Limits. */
    char long_key[LIMIT_CACHE_KEY_BYTES + 2];
    memset(long_key, 'k', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    assert_int_equal(cache_kv_set(c, long_key, "x", 1, 60), -EINVAL);
    assert_int_equal(cache_kv_get(c, a, long_key, &v, &len), -EINVAL);
    assert_int_equal(cache_kv_set(c, "", "x", 1, 60), -EINVAL);
    assert_int_equal(cache_kv_set(c, key, "x", 1, 0), -EINVAL);
    char *big = calloc(1, LIMIT_CACHE_VALUE_BYTES + 1);
    assert_non_null(big);
    assert_int_equal(cache_kv_set(c, key, big, LIMIT_CACHE_VALUE_BYTES + 1, 60), -EINVAL);
    assert_int_equal(cache_kv_set(c, key, big, LIMIT_CACHE_VALUE_BYTES, 60), 0);
    assert_int_equal(cache_kv_get(c, a, key, &v, &len), 0);
    assert_int_equal(len, LIMIT_CACHE_VALUE_BYTES);
    free(big);

    /* Counters start at 0 and only grow. */
    int64_t ver;
    assert_int_equal(cache_kv_version(c, counter, &ver), 0);
    assert_int_equal(ver, 0);
    assert_int_equal(cache_kv_bump(c, counter, &ver), 0);
    assert_int_equal(ver, 1);
    assert_int_equal(cache_kv_bump(c, counter, &ver), 0);
    assert_int_equal(ver, 2);
    assert_int_equal(cache_kv_version(c, counter, &ver), 0);
    assert_int_equal(ver, 2);

    /* Expiry. */
    assert_int_equal(cache_kv_set(c, key, "short", 5, 1), 0);
    assert_int_equal(cache_kv_get(c, a, key, &v, &len), 0);
    usleep(2100 * 1000);
    assert_int_equal(cache_kv_get(c, a, key, &v, &len), -ENOENT);
    arena_free(a);
}

static void test_kv_memory(void **state)
{
    (void)state;
    CacheKv *c = cache_kv_new(NULL, NULL);
    assert_non_null(c);
    kv_contract(c, "mem");

    /* Bounded: more keys than LIMIT_CACHE_ENTRIES evict the oldest, nothing grows. */
    Arena *a = arena_new(1 << 20);
    char key[64];
    for (int i = 0; i < LIMIT_CACHE_ENTRIES + 10; i++) {
        snprintf(key, sizeof(key), "fill:%d", i);
        assert_int_equal(cache_kv_set(c, key, "v", 1, 600), 0);
    }
    char *v;
    size_t len;
    snprintf(key, sizeof(key), "fill:%d", LIMIT_CACHE_ENTRIES + 9);
    assert_int_equal(cache_kv_get(c, a, key, &v, &len), 0);
    int present = 0;
    for (int i = 0; i < LIMIT_CACHE_ENTRIES + 10; i++) {
        snprintf(key, sizeof(key), "fill:%d", i);
        present += cache_kv_get(c, a, key, &v, &len) == 0;
    }
    assert_true(present <= LIMIT_CACHE_ENTRIES);
    /* Counters are never evicted, and there is a fixed number of them. */
    int64_t ver;
    assert_int_equal(cache_kv_version(c, "test:mem:version", &ver), 0);
    assert_int_equal(ver, 2);
    int r = 0;
    for (int i = 0; i < CACHE_KV_COUNTERS_MAX + 1 && r == 0; i++) {
        snprintf(key, sizeof(key), "counter:%d", i);
        r = cache_kv_bump(c, key, &ver);
    }
    assert_int_equal(r, ERR_LIMIT);
    arena_free(a);
    cache_kv_free(c);
    cache_kv_free(NULL);
}

static void test_kv_redis(void **state)
{
    (void)state;
    const char *url = getenv("SWAZ_TEST_REDIS_URL");
    if (!url || !*url) {
        print_message("# SWAZ_TEST_REDIS_URL is not set: case skipped\n");
        skip();
    }
    RedisClient *redis;
    assert_int_equal(redis_client_open(url, &redis), 0);
    CacheKv *c = cache_kv_new(redis, NULL);
    assert_non_null(c);
    char tag[64];
    snprintf(tag, sizeof(tag), "redis-%ld-%ld", (long)getpid(), (long)time(NULL));
    kv_contract(c, tag);
    cache_kv_free(c);
    redis_client_close(redis);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kv_memory),
        cmocka_unit_test(test_kv_redis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
