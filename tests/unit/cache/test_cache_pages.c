/*
 * test_cache_pages.c - the page store: hits only under the stored stamp, replacement, the
 * byte budget with least-recently-used eviction, pages that stay readable while referenced,
 * a page's content coding, and threads putting and getting at once.
 */
#include "cache/cache_pages.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define TYPE "application/json"

/* The bytes a page of `key` with a body of `len` bytes counts. */
static size_t page_cost(const char *key, size_t len)
{
    return CACHE_PAGES_OVERHEAD + strlen(key) + strlen(TYPE) + len;
}

static void get_body(CachePages *c, const char *key, int64_t stamp, const char *expect)
{
    CachePage *p = NULL;
    assert_int_equal(cache_pages_get(c, key, stamp, &p), 0);
    size_t len;
    const char *body = cache_page_body(p, &len);
    assert_int_equal(len, strlen(expect));
    assert_memory_equal(body, expect, len);
    assert_string_equal(cache_page_type(p), TYPE);
    cache_page_unref(p);
}

static void test_stamps_and_replacement(void **state)
{
    (void)state;
    CachePages *c = cache_pages_new(1 << 20);
    assert_non_null(c);
    CachePage *p;
    assert_int_equal(cache_pages_get(c, "/a", 1, &p), -ENOENT);
    assert_int_equal(cache_pages_put(c, "/a", 1, TYPE, NULL, "one", 3, NULL), 0);
    get_body(c, "/a", 1, "one");
    /* Another key, same hash bucket or not: apart. */
    assert_int_equal(cache_pages_get(c, "/a?x", 1, &p), -ENOENT);
    /* Replaced under the same key. */
    assert_int_equal(cache_pages_put(c, "/a", 1, TYPE, NULL, "two", 3, NULL), 0);
    get_body(c, "/a", 1, "two");
    size_t pages, bytes;
    cache_pages_usage(c, &pages, &bytes);
    assert_int_equal(pages, 1);
    assert_int_equal(bytes, page_cost("/a", 3));
    /* Another stamp: a miss, and the stale page is gone for every stamp. */
    assert_int_equal(cache_pages_get(c, "/a", 2, &p), -ENOENT);
    assert_int_equal(cache_pages_get(c, "/a", 1, &p), -ENOENT);
    cache_pages_usage(c, &pages, &bytes);
    assert_int_equal(pages, 0);
    assert_int_equal(bytes, 0);
    /* An empty body is a page too. */
    assert_int_equal(cache_pages_put(c, "/empty", 5, TYPE, NULL, "", 0, NULL), 0);
    get_body(c, "/empty", 5, "");
    cache_pages_free(c);
    assert_null(cache_pages_new(0));
}

static void test_budget_and_lru(void **state)
{
    (void)state;
    char body[1000];
    memset(body, 'x', sizeof(body));
    size_t one = page_cost("/p0", sizeof(body));
    CachePages *c = cache_pages_new(one * 8 + 10); /* room for eight pages */
    assert_non_null(c);
    char key[16];
    for (int i = 0; i < 8; i++) {
        snprintf(key, sizeof(key), "/p%d", i);
        assert_int_equal(cache_pages_put(c, key, 1, TYPE, NULL, body, sizeof(body), NULL), 0);
    }
    CachePage *p;
    /* /p0 used again: now /p1 is the least recently used. */
    assert_int_equal(cache_pages_get(c, "/p0", 1, &p), 0);
    cache_page_unref(p);
    assert_int_equal(cache_pages_put(c, "/p8", 1, TYPE, NULL, body, sizeof(body), NULL), 0);
    assert_int_equal(cache_pages_get(c, "/p1", 1, &p), -ENOENT);
    for (int i = 0; i < 9; i++) {
        if (i == 1)
            continue;
        snprintf(key, sizeof(key), "/p%d", i);
        assert_int_equal(cache_pages_get(c, key, 1, &p), 0);
        cache_page_unref(p);
    }
    size_t pages, bytes;
    cache_pages_usage(c, &pages, &bytes);
    assert_int_equal(pages, 8);
    assert_true(bytes <= one * 8 + 10);
    /* A page over an eighth of the budget is refused; nothing is evicted for it. */
    char *big = calloc(1, one * 2);
    assert_non_null(big);
    assert_int_equal(cache_pages_put(c, "/big", 1, TYPE, NULL, big, one * 2, NULL), -E2BIG);
    free(big);
    cache_pages_usage(c, &pages, &bytes);
    assert_int_equal(pages, 8);
    cache_pages_free(c);
}

static void test_references_outlive_eviction(void **state)
{
    (void)state;
    size_t one = page_cost("/k", 100);
    CachePages *c = cache_pages_new(one * 8);
    assert_non_null(c);
    char body[100];
    memset(body, 'a', sizeof(body));
    CachePage *held;
    assert_int_equal(cache_pages_put(c, "/k", 1, TYPE, NULL, body, sizeof(body), &held), 0);
    /* Replaced and then dropped for a new stamp: the reference still reads the old bytes. */
    assert_int_equal(cache_pages_put(c, "/k", 1, TYPE, NULL, "new", 3, NULL), 0);
    CachePage *p;
    assert_int_equal(cache_pages_get(c, "/k", 2, &p), -ENOENT);
    size_t len;
    const char *b = cache_page_body(held, &len);
    assert_int_equal(len, sizeof(body));
    assert_memory_equal(b, body, sizeof(body));
    cache_page_unref(held); /* freed now (ASan would tell) */
    cache_page_unref(NULL);
    cache_pages_free(c);
}

static void test_encoding(void **state)
{
    (void)state;
    size_t one = page_cost("/g", 10) + strlen("gzip");
    CachePages *c = cache_pages_new(one * 8);
    assert_non_null(c);
    CachePage *p;
    assert_int_equal(cache_pages_put(c, "/g", 3, TYPE, "gzip", "0123456789", 10, &p), 0);
    size_t len;
    assert_string_equal(cache_page_encoding(p), "gzip");
    assert_memory_equal(cache_page_body(p, &len), "0123456789", 10);
    assert_int_equal(len, 10);
    size_t pages, bytes;
    cache_pages_usage(c, &pages, &bytes);
    assert_int_equal(bytes, one); /* the encoding's name is counted too */
    cache_page_unref(p);
    /* Found again, it is still gzip; replaced by an identity body, it is not. */
    assert_int_equal(cache_pages_get(c, "/g", 3, &p), 0);
    assert_string_equal(cache_page_encoding(p), "gzip");
    cache_page_unref(p);
    assert_int_equal(cache_pages_put(c, "/g", 3, TYPE, NULL, "plain", 5, NULL), 0);
    assert_int_equal(cache_pages_get(c, "/g", 3, &p), 0);
    assert_null(cache_page_encoding(p));
    cache_page_unref(p);
    cache_pages_free(c);
}

typedef struct Worker {
    CachePages *c;
    int id;
} Worker;

static void *worker_main(void *arg)
{
    Worker *w = arg;
    char key[32], body[64];
    for (int i = 0; i < 20000; i++) {
        int k = (i * 7 + w->id) % 200;
        snprintf(key, sizeof(key), "/w/%d", k);
        int n = snprintf(body, sizeof(body), "body of %d", k);
        CachePage *p;
        if (cache_pages_get(w->c, key, k % 3, &p) == 0) {
            size_t len;
            const char *b = cache_page_body(p, &len);
            if (len != (size_t)n || memcmp(b, body, len) != 0)
                return (void *)1;
            cache_page_unref(p);
        } else if (cache_pages_put(w->c, key, k % 3, TYPE, NULL, body, (size_t)n, NULL) != 0) {
            return (void *)1;
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    CachePages *c = cache_pages_new(64 * 1024); /* small: evictions all the time */
    assert_non_null(c);
    pthread_t th[4];
    Worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (Worker){c, i};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *rv;
        pthread_join(th[i], &rv);
        assert_null(rv);
    }
    size_t pages, bytes;
    cache_pages_usage(c, &pages, &bytes);
    assert_true(bytes <= 64 * 1024);
    cache_pages_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stamps_and_replacement),
        cmocka_unit_test(test_budget_and_lru),
        cmocka_unit_test(test_references_outlive_eviction),
        cmocka_unit_test(test_encoding),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests_name("cache_pages", tests, NULL, NULL);
}
