/*
 * test_http_gzip.c - gzip forms: what libdeflate's decompressor reads back is the input,
 * bodies that would not shrink are refused, compressors are reused across threads, and the
 * content types worth compressing.
 */
#include "http/http_gzip.h"

#include <errno.h>
#include <libdeflate.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Decompresses `gz` and checks it is `len` bytes of `expect`. */
static void assert_inflates_to(const void *gz, size_t gz_len, const void *expect, size_t len)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    assert_non_null(d);
    char *out = malloc(len + 1);
    assert_non_null(out);
    size_t n = 0;
    assert_int_equal(libdeflate_gzip_decompress(d, gz, gz_len, out, len + 1, &n),
                     LIBDEFLATE_SUCCESS);
    assert_int_equal(n, len);
    assert_memory_equal(out, expect, len);
    free(out);
    libdeflate_free_decompressor(d);
}

/* A JSON-like text of `len` bytes. */
static char *json_text(size_t len)
{
    char *s = malloc(len);
    assert_non_null(s);
    static const char row[] = "{\"id\":\"10000000000000000004a543\",\"title\":\"Big big 30445\"},";
    for (size_t i = 0; i < len; i++)
        s[i] = row[i % (sizeof(row) - 1)];
    return s;
}

static void test_round_trip(void **state)
{
    (void)state;
    for (int level = 1; level <= 12; level += 5) {
        HttpGzip *g;
        assert_int_equal(http_gzip_new(level, 2, &g), 0);
        size_t sizes[] = {HTTP_GZIP_MIN_BYTES, 112 * 1024, 3 * 1024 * 1024};
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            char *text = json_text(sizes[i]);
            void *gz;
            size_t n;
            assert_int_equal(http_gzip_compress(g, text, sizes[i], &gz, &n), 0);
            assert_true(n < sizes[i] / 4);
            assert_inflates_to(gz, n, text, sizes[i]);
            free(gz);
            free(text);
        }
        http_gzip_free(g);
    }
    HttpGzip *g;
    assert_int_equal(http_gzip_new(0, 1, &g), -EINVAL);
    assert_int_equal(http_gzip_new(13, 1, &g), -EINVAL);
    http_gzip_free(NULL);
}

/* What the server compressed comes back whole; a size over the limit, a cut member and
 * garbage are refused. */
static void test_inflate(void **state)
{
    (void)state;
    HttpGzip *g;
    assert_int_equal(http_gzip_new(6, 1, &g), 0);
    size_t len = 112 * 1024;
    char *text = json_text(len);
    void *gz;
    size_t n;
    assert_int_equal(http_gzip_compress(g, text, len, &gz, &n), 0);
    void *out;
    size_t out_len;
    assert_int_equal(http_gzip_inflate(gz, n, len, &out, &out_len), 0);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, text, len);
    free(out);
    assert_int_equal(http_gzip_inflate(gz, n, len - 1, &out, &out_len), -E2BIG);
    int r = http_gzip_inflate(gz, n - 9, len, &out, &out_len); /* its "size" is other bytes */
    assert_true(r == -EINVAL || r == -E2BIG);
    assert_int_equal(http_gzip_inflate(gz, 17, len, &out, &out_len), -EINVAL);
    assert_int_equal(http_gzip_inflate(NULL, 0, len, &out, &out_len), -EINVAL);
    ((unsigned char *)gz)[n / 2] ^= 0x55; /* a damaged stream */
    assert_int_equal(http_gzip_inflate(gz, n, len, &out, &out_len), -EINVAL);
    free(gz);
    free(text);
    http_gzip_free(g);
}

static void test_incompressible(void **state)
{
    (void)state;
    HttpGzip *g;
    assert_int_equal(http_gzip_new(1, 1, &g), 0);
    size_t len = 64 * 1024;
    unsigned char *noise = malloc(len);
    assert_non_null(noise);
    uint64_t x = 88172645463325252ULL; /* xorshift: no repeats worth a match */
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise[i] = (unsigned char)x;
    }
    void *gz;
    size_t n;
    assert_int_equal(http_gzip_compress(g, noise, len, &gz, &n), -E2BIG);
    assert_int_equal(http_gzip_compress(g, "x", 1, &gz, &n), -E2BIG);
    free(noise);
    http_gzip_free(g);
}

typedef struct Job {
    HttpGzip *g;
    int ok;
} Job;

static void *job_main(void *arg)
{
    Job *j = arg;
    char *text = json_text(50000);
    j->ok = 1;
    for (int i = 0; i < 50 && j->ok; i++) {
        void *gz;
        size_t n;
        struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
        char out[50000];
        size_t got = 0;
        j->ok =
            d && http_gzip_compress(j->g, text, 50000, &gz, &n) == 0 &&
            libdeflate_gzip_decompress(d, gz, n, out, sizeof(out), &got) == LIBDEFLATE_SUCCESS &&
            got == 50000 && memcmp(out, text, got) == 0;
        if (d)
            libdeflate_free_decompressor(d);
        if (j->ok)
            free(gz);
    }
    free(text);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    HttpGzip *g;
    assert_int_equal(http_gzip_new(1, 2, &g), 0); /* fewer spares than threads */
    pthread_t th[4];
    Job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (Job){g, 0};
        assert_int_equal(pthread_create(&th[i], NULL, job_main, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_true(jobs[i].ok);
    }
    http_gzip_free(g);
}

static void test_compressible_types(void **state)
{
    (void)state;
    assert_true(http_gzip_compressible("application/json"));
    assert_true(http_gzip_compressible("application/json; charset=utf-8"));
    assert_true(http_gzip_compressible("text/xml; charset=utf-8"));
    assert_true(http_gzip_compressible("text/html"));
    assert_true(http_gzip_compressible("Application/XML"));
    assert_true(http_gzip_compressible("application/javascript"));
    assert_true(http_gzip_compressible("image/svg+xml"));
    assert_false(http_gzip_compressible("application/jsonp"));
    assert_false(http_gzip_compressible("audio/mpeg"));
    assert_false(http_gzip_compressible("image/jpeg"));
    assert_false(http_gzip_compressible("application/zip"));
    assert_false(http_gzip_compressible(""));
    assert_false(http_gzip_compressible(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),         cmocka_unit_test(test_inflate),
        cmocka_unit_test(test_incompressible),     cmocka_unit_test(test_threads),
        cmocka_unit_test(test_compressible_types),
    };
    return cmocka_run_group_tests_name("http_gzip", tests, NULL, NULL);
}
