/* test_auth_user.c - the users table on SQLite and (when configured) PostgreSQL. */
#include "auth/auth_password.h"
#include "auth/auth_user.h"
#include "core/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

typedef struct Listing {
    char text[512];
} Listing;

static int list_cb(void *ctx, const AuthUser *u)
{
    Listing *l = ctx;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof(l->text) - n, "%s:%d;", u->username, u->is_admin);
    assert_int_equal(strlen(u->id), AUTH_USER_ID_LEN);
    return 0;
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

    int64_t n = -1;
    assert_int_equal(auth_user_count(c, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(auth_user_add(c, "bob", "password-b", false), 0);
    assert_int_equal(auth_user_add(c, "alice", "password-a", true), 0);
    assert_int_equal(auth_user_add(c, "alice", "password-x", false), ERR_CONFLICT);
    assert_int_equal(auth_user_add(c, "bad name", "password-x", false), -EINVAL);
    assert_int_equal(auth_user_add(c, "x' OR 1=1 --", "password-x", false), -EINVAL);
    assert_int_equal(auth_user_add(c, "carol", "short", false), -EINVAL);
    assert_int_equal(auth_user_count(c, &n), 0);
    assert_int_equal(n, 2);

    Listing l = {""};
    assert_int_equal(auth_user_list(c, list_cb, &l), 0);
    assert_string_equal(l.text, "alice:1;bob:0;");

    assert_int_equal(auth_user_set_password(c, "bob", "new-password"), 0);
    assert_int_equal(auth_user_set_password(c, "nobody", "new-password"), -ENOENT);
    assert_int_equal(auth_user_set_password(c, "bob", "tiny"), -EINVAL);
    DbStmt *st;
    assert_int_equal(db_prepare(c, "SELECT password_hash FROM users WHERE username = ?", &st), 0);
    assert_int_equal(db_bind_text(st, 1, "bob"), 0);
    assert_int_equal(db_step(st), DB_ROW);
    assert_true(auth_password_verify("new-password", db_column_text(st, 0)));
    assert_false(auth_password_verify("password-b", db_column_text(st, 0)));
    db_finalize(st);

    assert_int_equal(auth_user_delete(c, "bob"), 0);
    assert_int_equal(auth_user_delete(c, "bob"), -ENOENT);
    assert_int_equal(auth_user_count(c, &n), 0);
    assert_int_equal(n, 1);
    db_release(c);
    db_close(db);
}

static void test_users_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, run_on);
}

static void test_users_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, run_on);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_users_sqlite),
        cmocka_unit_test(test_users_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
