/* test_auth_session.c - refresh tokens on SQLite and (when configured) PostgreSQL: rotation,
 * reuse detection, expiry, revocation by family and by user; principals and sign-in. */
#include "auth/auth_password.h"
#include "auth/auth_principal.h"
#include "auth/auth_session.h"
#include "auth/auth_user.h"
#include "core/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#define NOW 1700000000

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
    assert_int_equal(auth_user_add(c, "alice", "password one", false), 0);
    assert_int_equal(auth_user_add(c, "bob", "password two", true), 0);
    char alice[AUTH_PRINCIPAL_ID_BYTES + 1], bob[AUTH_PRINCIPAL_ID_BYTES + 1];
    assert_int_equal(auth_principal_find(c, "alice", alice), 0);
    assert_int_equal(auth_principal_find(c, "bob", bob), 0);
    assert_int_equal(auth_principal_find(c, "carol", bob), -ENOENT);

    /* Principal and password check. */
    Principal p;
    assert_int_equal(auth_principal_load(c, bob, &p), 0);
    assert_string_equal(p.username, "bob");
    assert_true(p.is_admin);
    assert_true(p.all_libraries);
    assert_int_equal(auth_principal_load(c, "nope", &p), ERR_AUTH);
    char dummy[AUTH_PASSWORD_HASH_MAX];
    assert_int_equal(auth_password_hash("dummy password", dummy), 0);
    char id[AUTH_PRINCIPAL_ID_BYTES + 1];
    assert_int_equal(auth_principal_authenticate(c, "alice", NULL, "password one", dummy, id), 0);
    assert_string_equal(id, alice);
    assert_int_equal(auth_principal_authenticate(c, "alice", NULL, "wrong", dummy, id), ERR_AUTH);
    assert_int_equal(auth_principal_authenticate(c, "zed", NULL, "dummy password", dummy, id),
                     ERR_AUTH);
    assert_int_equal(auth_principal_authenticate(c, NULL, alice, "password one", dummy, id), 0);

    /* Rotation. */
    char t1[AUTH_SESSION_TOKEN_LEN + 1], t2[AUTH_SESSION_TOKEN_LEN + 1];
    char t3[AUTH_SESSION_TOKEN_LEN + 1], user[AUTH_PRINCIPAL_ID_BYTES + 1];
    assert_int_equal(auth_session_create(c, alice, "test", 3600, NOW, t1), 0);
    assert_int_equal(strlen(t1), AUTH_SESSION_TOKEN_LEN);
    assert_int_equal(auth_session_rotate(c, t1, 3600, NOW + 1, user, t2), 0);
    assert_string_equal(user, alice);
    assert_string_not_equal(t1, t2);
    /* Reuse of t1 revokes the family: t2 dies too. */
    assert_int_equal(auth_session_rotate(c, t1, 3600, NOW + 2, user, t3), ERR_AUTH);
    assert_int_equal(auth_session_rotate(c, t2, 3600, NOW + 3, user, t3), ERR_AUTH);

    /* Expiry. */
    assert_int_equal(auth_session_create(c, alice, NULL, 10, NOW, t1), 0);
    assert_int_equal(auth_session_rotate(c, t1, 10, NOW + 10, user, t2), ERR_AUTH);

    /* Garbage. */
    assert_int_equal(auth_session_rotate(c, "", 10, NOW, user, t2), ERR_AUTH);
    assert_int_equal(auth_session_rotate(c, "x'; DROP TABLE users; --", 10, NOW, user, t2),
                     ERR_AUTH);
    assert_int_equal(
        auth_session_rotate(c, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 10, NOW, user, t2),
        ERR_AUTH);

    /* Logout: the family only. */
    assert_int_equal(auth_session_create(c, alice, NULL, 3600, NOW, t1), 0);
    assert_int_equal(auth_session_create(c, alice, NULL, 3600, NOW, t2), 0);
    assert_int_equal(auth_session_revoke_family(c, t1), 0);
    assert_int_equal(auth_session_revoke_family(c, "unknown"), 0);
    assert_int_equal(auth_session_rotate(c, t1, 3600, NOW, user, t3), ERR_AUTH);
    assert_int_equal(auth_session_rotate(c, t2, 3600, NOW, user, t3), 0);

    /* Logout everywhere: every row of alice, none of bob. */
    char b1[AUTH_SESSION_TOKEN_LEN + 1];
    assert_int_equal(auth_session_create(c, bob, NULL, 3600, NOW, b1), 0);
    assert_int_equal(auth_session_revoke_user(c, alice), 0);
    assert_int_equal(auth_session_rotate(c, t3, 3600, NOW, user, t1), ERR_AUTH);
    assert_int_equal(auth_session_rotate(c, b1, 3600, NOW, user, t1), 0);
    assert_string_equal(user, bob);

    /* Kept principals: a peek answers only with what a load kept, under the users generation
     * it was kept under, and never reads the database. */
    AuthPrincipals *kept = auth_principals_new();
    assert_non_null(kept);
    assert_int_equal(auth_principals_peek(kept, db, bob, &p), -EAGAIN);
    assert_int_equal(auth_principals_load(kept, db, c, bob, &p), 0);
    int r = -EAGAIN;
    for (int i = 0; i < 200 && r != 0; i++) { /* PostgreSQL: until its LISTEN link is up */
        int64_t stamp;
        assert_int_equal(db_generation_get(db, c, DB_GENERATION_USERS, &stamp), 0);
        memset(&p, 0, sizeof(p));
        r = auth_principals_peek(kept, db, bob, &p);
        if (r != 0) {
            assert_int_equal(auth_principals_load(kept, db, c, bob, &p), 0);
            usleep(10000);
        }
    }
    assert_int_equal(r, 0);
    assert_string_equal(p.username, "bob");
    assert_true(p.is_admin);
    assert_int_equal(auth_principals_peek(kept, db, alice, &p), -EAGAIN);
    assert_int_equal(db_generation_bump(c, DB_GENERATION_USERS), 0); /* a user changed */
    assert_int_equal(auth_principals_peek(kept, db, bob, &p), -EAGAIN);
    auth_principals_free(kept);

    /* A disabled user cannot sign in and has no principal. */
    assert_int_equal(db_exec(c, "UPDATE users SET disabled = 1 WHERE username = 'alice'"), 0);
    assert_int_equal(auth_principal_load(c, alice, &p), ERR_AUTH);
    assert_int_equal(auth_principal_authenticate(c, "alice", NULL, "password one", dummy, id),
                     ERR_AUTH);
    db_release(c);
    db_close(db);
}

static void test_sessions_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, run_on);
}

static void test_sessions_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, run_on);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sessions_sqlite),
        cmocka_unit_test(test_sessions_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
