/* test_auth_jwt.c - HS256 tokens: round trip, tampering, expiry, pinned header, strict claims. */
#include "auth/auth_jwt.h"
#include "core/err.h"

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

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_tampered_and_other_key),
        cmocka_unit_test(test_times),         cmocka_unit_test(test_header_pinned),
        cmocka_unit_test(test_claims_strict), cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
