/* test_auth_subsonic.c - Subsonic credentials: mechanism rules, enc: decoding, MD5 vectors,
 * and every mechanism against a real database (SQLite; PostgreSQL when configured). */
#include "auth/auth_apikey.h"
#include "auth/auth_password.h"
#include "auth/auth_subsonic.h"
#include "auth/auth_user.h"
#include "core/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

static void test_md5_vectors(void **state)
{
    (void)state;
    char out[33];
    /* RFC 1321, appendix A.5. */
    auth_subsonic_md5_hex("", 0, out);
    assert_string_equal(out, "d41d8cd98f00b204e9800998ecf8427e");
    auth_subsonic_md5_hex("abc", 3, out);
    assert_string_equal(out, "900150983cd24fb0d6963f7d28e17f72");
    const char *digits =
        "12345678901234567890123456789012345678901234567890123456789012345678901234567890";
    auth_subsonic_md5_hex(digits, strlen(digits), out);
    assert_string_equal(out, "57edf4a22be3c955ac49da2e2107b67a");
    /* The Subsonic documentation's example: md5("sesame" + "c19b2d"). */
    auth_subsonic_md5_hex("sesamec19b2d", 12, out);
    assert_string_equal(out, "26719a1196d2a940705a59634eb18eab");
}

static void test_mechanism(void **state)
{
    (void)state;
    AuthSubsonicMech m;
    assert_int_equal(auth_subsonic_mechanism(NULL, NULL, NULL, NULL, NULL, &m),
                     AUTH_SUBSONIC_MISSING);
    assert_int_equal(auth_subsonic_mechanism("u", NULL, NULL, NULL, NULL, &m),
                     AUTH_SUBSONIC_MISSING);
    assert_int_equal(auth_subsonic_mechanism(NULL, "p", NULL, NULL, NULL, &m),
                     AUTH_SUBSONIC_MISSING);
    assert_int_equal(auth_subsonic_mechanism("u", NULL, "t", NULL, NULL, &m),
                     AUTH_SUBSONIC_MISSING);
    assert_int_equal(auth_subsonic_mechanism("u", "p", "t", "s", NULL, &m), AUTH_SUBSONIC_CONFLICT);
    assert_int_equal(auth_subsonic_mechanism("u", NULL, NULL, NULL, "k", &m),
                     AUTH_SUBSONIC_CONFLICT);
    assert_int_equal(auth_subsonic_mechanism(NULL, "p", NULL, NULL, "k", &m),
                     AUTH_SUBSONIC_CONFLICT);
    assert_int_equal(auth_subsonic_mechanism(NULL, NULL, NULL, NULL, "k", &m), 0);
    assert_int_equal(m, AUTH_SUBSONIC_MECH_API_KEY);
    assert_int_equal(auth_subsonic_mechanism("u", "p", NULL, NULL, NULL, &m), 0);
    assert_int_equal(m, AUTH_SUBSONIC_MECH_PASSWORD);
    assert_int_equal(auth_subsonic_mechanism("u", NULL, "t", "s", NULL, &m), 0);
    assert_int_equal(m, AUTH_SUBSONIC_MECH_TOKEN);
    assert_int_equal(auth_subsonic_error_code(AUTH_SUBSONIC_MISSING), 10);
    assert_int_equal(auth_subsonic_error_code(AUTH_SUBSONIC_WRONG), 40);
    assert_int_equal(auth_subsonic_error_code(AUTH_SUBSONIC_NO_TOKEN), 41);
    assert_int_equal(auth_subsonic_error_code(AUTH_SUBSONIC_CONFLICT), 43);
    assert_int_equal(auth_subsonic_error_code(AUTH_SUBSONIC_BAD_API_KEY), 44);
}

static void test_decode(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(auth_subsonic_decode_password("sesame", out, sizeof(out)), 0);
    assert_string_equal(out, "sesame");
    assert_int_equal(auth_subsonic_decode_password("enc:736573616d65", out, sizeof(out)), 0);
    assert_string_equal(out, "sesame");
    assert_int_equal(auth_subsonic_decode_password("enc:736573616D65", out, sizeof(out)), 0);
    assert_string_equal(out, "sesame");
    assert_int_equal(auth_subsonic_decode_password("enc:", out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(auth_subsonic_decode_password("enc:7", out, sizeof(out)), AUTH_SUBSONIC_WRONG);
    assert_int_equal(auth_subsonic_decode_password("enc:zz", out, sizeof(out)),
                     AUTH_SUBSONIC_WRONG);
    assert_int_equal(auth_subsonic_decode_password("enc:6100", out, sizeof(out)),
                     AUTH_SUBSONIC_WRONG);
    assert_int_equal(auth_subsonic_decode_password("0123456789abcdef", out, sizeof(out)),
                     AUTH_SUBSONIC_WRONG);
    assert_int_equal(
        auth_subsonic_decode_password("enc:30313233343536373839616263646566", out, sizeof(out)),
        AUTH_SUBSONIC_WRONG);
}

static void run_on(const char *url, const char *dir)
{
    (void)dir;
    assert_int_equal(auth_init(), 0);
    Db *db;
    assert_int_equal(db_open(url, 2, &db), 0);
    int applied;
    assert_int_equal(db_migrate(db, &applied), 0);
    DbConn *c;
    assert_int_equal(db_acquire(db, &c), 0);
    unsigned char app_key[32], other_key[32];
    memset(app_key, 7, sizeof(app_key));
    memset(other_key, 9, sizeof(other_key));

    char alice[AUTH_USER_ID_LEN + 1], bob[AUTH_USER_ID_LEN + 1];
    assert_int_equal(auth_user_create(c, "alice", "sesame-long", false, NULL, alice), 0);
    assert_int_equal(auth_user_create(c, "bob", "password-b", false, NULL, bob), 0);
    char who[AUTH_PRINCIPAL_ID_BYTES + 1];

    /* p= plain and enc:. */
    assert_int_equal(
        auth_subsonic_verify(c, app_key, "alice", "sesame-long", NULL, NULL, NULL, who), 0);
    assert_string_equal(who, alice);
    assert_int_equal(auth_subsonic_verify(c, app_key, "alice", "enc:736573616d652d6c6f6e67", NULL,
                                          NULL, NULL, who),
                     0);
    assert_int_equal(auth_subsonic_verify(c, app_key, "alice", "password-b", NULL, NULL, NULL, who),
                     AUTH_SUBSONIC_WRONG);
    assert_int_equal(
        auth_subsonic_verify(c, app_key, "nobody", "sesame-long", NULL, NULL, NULL, who),
        AUTH_SUBSONIC_WRONG);
    assert_int_equal(auth_subsonic_verify(c, app_key, "alice", "enc:zz", NULL, NULL, NULL, who),
                     AUTH_SUBSONIC_WRONG);

    /* t+s: only with an app password, never with the login password. */
    char tok[33];
    auth_subsonic_md5_hex("sesame-longabc", 14, tok);
    assert_int_equal(auth_subsonic_verify(c, app_key, "alice", NULL, tok, "abc", NULL, who),
                     AUTH_SUBSONIC_NO_TOKEN);
    assert_int_equal(auth_subsonic_verify(c, app_key, "nobody", NULL, tok, "abc", NULL, who),
                     AUTH_SUBSONIC_NO_TOKEN);
    char pw[AUTH_SUBSONIC_APP_PASSWORD_LEN + 1];
    assert_int_equal(auth_subsonic_app_password_set(c, app_key, alice, pw), 0);
    assert_int_equal(strlen(pw), AUTH_SUBSONIC_APP_PASSWORD_LEN);
    char buf[128];
    snprintf(buf, sizeof(buf), "%s%s", pw, "salt123");
    auth_subsonic_md5_hex(buf, strlen(buf), tok);
    assert_int_equal(auth_subsonic_verify(c, app_key, "alice", NULL, tok, "salt123", NULL, who), 0);
    assert_string_equal(who, alice);
    for (int i = 0; i < 32; i++) /* upper-case hex is accepted too */
        if (tok[i] >= 'a' && tok[i] <= 'f')
            tok[i] = (char)(tok[i] - 'a' + 'A');
    assert_int_equal(auth_subsonic_verify(c, app_key, "alice", NULL, tok, "salt123", NULL, who), 0);
    assert_int_equal(auth_subsonic_verify(c, app_key, "alice", NULL, tok, "salt124", NULL, who),
                     AUTH_SUBSONIC_WRONG);
    assert_int_equal(auth_subsonic_verify(c, other_key, "alice", NULL, tok, "salt123", NULL, who),
                     AUTH_SUBSONIC_WRONG);
    assert_int_equal(auth_subsonic_verify(c, NULL, "alice", NULL, tok, "salt123", NULL, who),
                     AUTH_SUBSONIC_NO_TOKEN);
    /* Bob's name with Alice's token. */
    assert_int_equal(auth_subsonic_verify(c, app_key, "bob", NULL, tok, "salt123", NULL, who),
                     AUTH_SUBSONIC_NO_TOKEN);
    assert_int_equal(auth_subsonic_verify(c, app_key, "alice", NULL, "short", "salt123", NULL, who),
                     AUTH_SUBSONIC_WRONG);
    /* The app password is not the login password, and vice versa. */
    assert_int_equal(auth_subsonic_verify(c, app_key, "alice", pw, NULL, NULL, NULL, who),
                     AUTH_SUBSONIC_WRONG);
    assert_int_equal(auth_subsonic_app_password_clear(c, alice), 0);
    assert_int_equal(auth_subsonic_verify(c, app_key, "alice", NULL, tok, "salt123", NULL, who),
                     AUTH_SUBSONIC_NO_TOKEN);

    /* apiKey. */
    char kid[AUTH_APIKEY_ID_LEN + 1], key[AUTH_APIKEY_LEN + 1];
    assert_int_equal(auth_apikey_create(c, bob, "app", kid, key), 0);
    assert_int_equal(auth_subsonic_verify(c, app_key, NULL, NULL, NULL, NULL, key, who), 0);
    assert_string_equal(who, bob);
    assert_int_equal(auth_subsonic_verify(c, app_key, "bob", NULL, NULL, NULL, key, who),
                     AUTH_SUBSONIC_CONFLICT);
    assert_int_equal(auth_subsonic_verify(c, app_key, NULL, NULL, NULL, NULL, "swz_nope", who),
                     AUTH_SUBSONIC_BAD_API_KEY);
    assert_int_equal(auth_subsonic_verify(c, app_key, NULL, NULL, NULL, NULL, NULL, who),
                     AUTH_SUBSONIC_MISSING);

    /* A disabled user is refused like a wrong password. */
    AuthUserChange ch;
    auth_user_change_init(&ch);
    ch.disabled = 1;
    assert_int_equal(auth_user_update(c, alice, &ch), 0);
    assert_int_equal(
        auth_subsonic_verify(c, app_key, "alice", "sesame-long", NULL, NULL, NULL, who),
        AUTH_SUBSONIC_WRONG);

    db_release(c);
    db_close(db);
}

static void test_verify_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, run_on);
}

static void test_verify_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, run_on);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5_vectors),     cmocka_unit_test(test_mechanism),
        cmocka_unit_test(test_decode),          cmocka_unit_test(test_verify_sqlite),
        cmocka_unit_test(test_verify_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
