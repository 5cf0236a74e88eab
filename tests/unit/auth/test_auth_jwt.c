/* test_auth_jwt.c - HS256 tokens: round trip, tampering, expiry, pinned header, strict claims;
 * the table of verified tokens gives the same answers. */
#include "auth/auth_jwt.h"
#include "auth/auth_jwt_cache.h"
#include "core/err.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char other[32] = "fedcba9876543210fedcba9876543210";
#define NOW 1700000000

static void sign(const char *scp, int64_t iat, int64_t exp, char *out, size_t size)
{
    AuthJwtClaims c = {0};
    snprintf(c.sub, sizeof(c.sub), "abc123");
    snprintf(c.name, sizeof(c.name), "alice");
    c.adm = true;
    c.iat = iat;
    c.exp = exp;
    snprintf(c.scp, sizeof(c.scp), "%s", scp);
    assert_int_equal(auth_jwt_sign(key, &c, out, size), 0);
}

static int verify(const char *t)
{
    AuthJwtClaims c;
    return auth_jwt_verify(key, t, strlen(t), NOW, &c);
}

/* Builds header.payload signed with `k` from raw JSON texts. */
static void forge(const char *header, const char *payload, const unsigned char *k, char *out,
                  size_t size)
{
    char h[512], p[1024];
    sodium_bin2base64(h, sizeof(h), (const unsigned char *)header, strlen(header),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_bin2base64(p, sizeof(p), (const unsigned char *)payload, strlen(payload),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, size, "%s.%s", h, p);
    unsigned char mac[32];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, k, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)out, strlen(out));
    crypto_auth_hmacsha256_final(&st, mac);
    char s[64];
    sodium_bin2base64(s, sizeof(s), mac, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    size_t n = strlen(out);
    snprintf(out + n, size - n, ".%s", s);
}

static const char good_payload[] =
    "{\"sub\":\"abc123\",\"name\":\"alice\",\"adm\":false,\"iat\":1700000000,\"exp\":1700000900}";

static void test_round_trip(void **state)
{
    (void)state;
    char t[LIMIT_AUTH_TOKEN_BYTES];
    sign("", NOW, NOW + 900, t, sizeof(t));
    assert_non_null(strstr(t, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
    AuthJwtClaims c;
    assert_int_equal(auth_jwt_verify(key, t, strlen(t), NOW, &c), 0);
    assert_string_equal(c.sub, "abc123");
    assert_string_equal(c.name, "alice");
    assert_true(c.adm);
    assert_int_equal(c.exp, NOW + 900);
    assert_string_equal(c.scp, "");
    sign("media", NOW, NOW + 60, t, sizeof(t));
    assert_int_equal(auth_jwt_verify(key, t, strlen(t), NOW, &c), 0);
    assert_string_equal(c.scp, "media");
    char small[40];
    AuthJwtClaims c2 = c;
    assert_int_equal(auth_jwt_sign(key, &c2, small, sizeof(small)), -ENOSPC);
}

static void test_tampered_and_other_key(void **state)
{
    (void)state;
    char t[LIMIT_AUTH_TOKEN_BYTES];
    sign("", NOW, NOW + 900, t, sizeof(t));
    AuthJwtClaims c;
    assert_int_equal(auth_jwt_verify(other, t, strlen(t), NOW, &c), ERR_AUTH);
    for (size_t i = 0; i < strlen(t); i += 7) {
        char copy[LIMIT_AUTH_TOKEN_BYTES];
        snprintf(copy, sizeof(copy), "%s", t);
        copy[i] = copy[i] == 'A' ? 'B' : 'A';
        if (strcmp(copy, t) != 0)
            assert_int_equal(verify(copy), ERR_AUTH);
    }
    char copy[LIMIT_AUTH_TOKEN_BYTES + 8];
    snprintf(copy, sizeof(copy), "%s=", t); /* padding */
    assert_int_equal(verify(copy), ERR_AUTH);
    snprintf(copy, sizeof(copy), "%s.x", t);
    assert_int_equal(verify(copy), ERR_AUTH);
    assert_int_equal(auth_jwt_verify(key, t, strlen(t) - 1, NOW, &c), ERR_AUTH);
}

static void test_times(void **state)
{
    (void)state;
    char t[LIMIT_AUTH_TOKEN_BYTES];
    sign("", NOW - 1000, NOW - 1, t, sizeof(t));
    assert_int_equal(verify(t), ERR_AUTH); /* expired */
    sign("", NOW - 1000, NOW, t, sizeof(t));
    assert_int_equal(verify(t), ERR_AUTH); /* exp == now */
    sign("", NOW + 60, NOW + 900, t, sizeof(t));
    assert_int_equal(verify(t), 0); /* within the skew */
    sign("", NOW + 61, NOW + 900, t, sizeof(t));
    assert_int_equal(verify(t), ERR_AUTH); /* issued in the future */
}

static void test_header_pinned(void **state)
{
    (void)state;
    char t[2048];
    forge("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", good_payload, key, t, sizeof(t));
    assert_int_equal(verify(t), 0);
    forge("{\"typ\":\"JWT\",\"alg\":\"HS256\"}", good_payload, key, t, sizeof(t));
    assert_int_equal(verify(t), 0);
    static const char *const bad[] = {
        "{\"alg\":\"none\",\"typ\":\"JWT\"}",
        "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
        "{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
        "{\"typ\":\"JWT\"}",
        "{\"alg\":\"HS256\"}",
        "{\"alg\":\"HS256\",\"typ\":\"JWE\"}",
        "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"1\"}",
        "{\"alg\":\"HS256\",\"alg\":\"HS256\",\"typ\":\"JWT\"}",
        "[]",
        "null",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        forge(bad[i], good_payload, key, t, sizeof(t));
        assert_int_equal(verify(t), ERR_AUTH);
    }
    /* alg=none with an empty signature */
    char h[128], p[512];
    sodium_bin2base64(h, sizeof(h), (const unsigned char *)"{\"alg\":\"none\",\"typ\":\"JWT\"}", 27,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_bin2base64(p, sizeof(p), (const unsigned char *)good_payload, strlen(good_payload),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(t, sizeof(t), "%s.%s.", h, p);
    assert_int_equal(verify(t), ERR_AUTH);
}

static void test_claims_strict(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"sub\":\"abc\",\"sub\":\"x\",\"name\":\"a\",\"adm\":false,\"iat\":1700000000,"
        "\"exp\":1700000900}",
        "{\"sub\":\"abc\",\"name\":\"a\",\"adm\":false,\"iat\":1700000000,\"exp\":1700000900,"
        "\"role\":\"admin\"}",
        "{\"sub\":\"abc\",\"name\":\"a\",\"adm\":\"yes\",\"iat\":1700000000,\"exp\":1700000900}",
        "{\"sub\":\"abc\",\"name\":\"a\",\"adm\":false,\"iat\":1700000000,\"exp\":\"1700000900\"}",
        "{\"sub\":\"abc\",\"name\":\"a\",\"adm\":false,\"iat\":1700000000}",
        "{\"sub\":\"\",\"name\":\"a\",\"adm\":false,\"iat\":1700000000,\"exp\":1700000900}",
        "{\"sub\":\"0123456789012345678901234567890123\",\"name\":\"a\",\"adm\":false,"
        "\"iat\":1700000000,\"exp\":1700000900}",
        "{\"sub\":\"abc\",\"name\":\"a\",\"adm\":false,\"iat\":1700000000,\"exp\":1.7e9}",
        "not json",
    };
    char t[2048];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        forge("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", bad[i], key, t, sizeof(t));
        assert_int_equal(verify(t), ERR_AUTH);
    }
}

static void test_garbage(void **state)
{
    (void)state;
    static const char *const bad[] = {"",      ".",        "..",       "...",
                                      "a.b.c", "eyJ.eyJ.", "Bearer x", "\xff\xfe.\x01.\x02"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(verify(bad[i]), ERR_AUTH);
    char big[LIMIT_AUTH_TOKEN_BYTES + 10];
    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[10] = '.';
    big[20] = '.';
    assert_int_equal(verify(big), ERR_AUTH);
}

/* A token for user "u<i>" (distinct bytes, same shape). */
static void sign_user(int i, char *out, size_t size)
{
    AuthJwtClaims c = {0};
    snprintf(c.sub, sizeof(c.sub), "u%d", i);
    snprintf(c.name, sizeof(c.name), "user%d", i);
    c.iat = NOW;
    c.exp = NOW + 900;
    assert_int_equal(auth_jwt_sign(key, &c, out, size), 0);
}

static void test_cache_same_answers(void **state)
{
    (void)state;
    AuthJwtCache *cache = auth_jwt_cache_new(key);
    assert_non_null(cache);
    char t[LIMIT_AUTH_TOKEN_BYTES];
    sign("media", NOW + 30, NOW + 900, t, sizeof(t));
    AuthJwtClaims c;
    for (int round = 0; round < 2; round++) { /* a miss, then a hit */
        memset(&c, 0, sizeof(c));
        assert_int_equal(auth_jwt_cache_verify(cache, t, strlen(t), NOW, &c), 0);
        assert_string_equal(c.sub, "abc123");
        assert_string_equal(c.scp, "media");
        assert_int_equal(c.exp, NOW + 900);
    }
    /* The time rules hold at every use, not only when the token was first verified. */
    assert_int_equal(auth_jwt_cache_verify(cache, t, strlen(t), NOW + 900, &c), ERR_AUTH);
    assert_int_equal(auth_jwt_cache_verify(cache, t, strlen(t), NOW - 31, &c), ERR_AUTH);
    assert_int_equal(auth_jwt_cache_verify(cache, t, strlen(t), NOW + 899, &c), 0);
    /* Near copies of the kept token, a prefix of it and garbage are refused. */
    for (size_t i = 0; i < strlen(t); i += 5) {
        char copy[LIMIT_AUTH_TOKEN_BYTES];
        snprintf(copy, sizeof(copy), "%s", t);
        copy[i] = copy[i] == 'A' ? 'B' : 'A';
        assert_int_equal(auth_jwt_cache_verify(cache, copy, strlen(copy), NOW, &c), ERR_AUTH);
    }
    assert_int_equal(auth_jwt_cache_verify(cache, t, strlen(t) - 1, NOW, &c), ERR_AUTH);
    assert_int_equal(auth_jwt_cache_verify(cache, "", 0, NOW, &c), ERR_AUTH);
    char big[LIMIT_AUTH_TOKEN_BYTES + 10];
    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(auth_jwt_cache_verify(cache, big, strlen(big), NOW, &c), ERR_AUTH);
    auth_jwt_cache_free(cache);

    /* A table bound to another key refuses what this key signed, before and after. */
    cache = auth_jwt_cache_new(other);
    assert_non_null(cache);
    for (int round = 0; round < 2; round++)
        assert_int_equal(auth_jwt_cache_verify(cache, t, strlen(t), NOW, &c), ERR_AUTH);
    auth_jwt_cache_free(cache);
    auth_jwt_cache_free(NULL);
}

enum { CACHE_USERS = 3 * AUTH_JWT_CACHE_SLOTS, CACHE_THREADS = 4 };
static char cache_tokens[CACHE_USERS][LIMIT_AUTH_TOKEN_BYTES];

/* Verifies every token a few times from offset `arg`; returns the count of wrong answers. */
static void *cache_worker(void *arg)
{
    AuthJwtCache *cache = ((void **)arg)[0];
    int from = *(int *)((void **)arg)[1];
    intptr_t wrong = 0;
    for (int k = 0; k < 3 * CACHE_USERS; k++) {
        int i = (from + k * 7) % CACHE_USERS;
        AuthJwtClaims c;
        char want[16];
        snprintf(want, sizeof(want), "u%d", i);
        if (auth_jwt_cache_verify(cache, cache_tokens[i], strlen(cache_tokens[i]), NOW, &c) != 0 ||
            strcmp(c.sub, want) != 0)
            wrong++;
    }
    return (void *)wrong;
}

/* More tokens than slots, from several threads: each answer is its own token's claims. */
static void test_cache_many_tokens_threads(void **state)
{
    (void)state;
    for (int i = 0; i < CACHE_USERS; i++)
        sign_user(i, cache_tokens[i], sizeof(cache_tokens[i]));
    AuthJwtCache *cache = auth_jwt_cache_new(key);
    assert_non_null(cache);
    pthread_t th[CACHE_THREADS];
    int from[CACHE_THREADS];
    void *args[CACHE_THREADS][2];
    for (int i = 0; i < CACHE_THREADS; i++) {
        from[i] = i * 101;
        args[i][0] = cache;
        args[i][1] = &from[i];
        assert_int_equal(pthread_create(&th[i], NULL, cache_worker, args[i]), 0);
    }
    for (int i = 0; i < CACHE_THREADS; i++) {
        void *wrong;
        assert_int_equal(pthread_join(th[i], &wrong), 0);
        assert_int_equal((intptr_t)wrong, 0);
    }
    auth_jwt_cache_free(cache);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_tampered_and_other_key),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_header_pinned),
        cmocka_unit_test(test_claims_strict),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_cache_same_answers),
        cmocka_unit_test(test_cache_many_tokens_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
