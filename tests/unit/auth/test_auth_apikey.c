/* test_auth_apikey.c - API keys on SQLite and (when configured) PostgreSQL: one user trying
 * to see, use and revoke another's keys. */
#include "auth/auth_apikey.h"
#include "auth/auth_password.h"
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

typedef struct Seen {
    int n;
    char last_name[LIMIT_API_KEY_NAME_BYTES + 1];
    int64_t last_used;
} Seen;

static int seen_cb(void *ctx, const AuthApiKey *k)
{
    Seen *s = ctx;
    s->n++;
    snprintf(s->last_name, sizeof(s->last_name), "%s", k->name);
    s->last_used = k->last_used_at;
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

    char alice[AUTH_USER_ID_LEN + 1], bob[AUTH_USER_ID_LEN + 1];
    assert_int_equal(auth_user_create(c, "alice", "password-a", false, NULL, alice), 0);
    assert_int_equal(auth_user_create(c, "bob", "password-b", false, NULL, bob), 0);

    char id[AUTH_APIKEY_ID_LEN + 1], key[AUTH_APIKEY_LEN + 1];
    assert_int_equal(auth_apikey_create(c, alice, "phone", id, key), 0);
    assert_int_equal(strlen(key), AUTH_APIKEY_LEN);
    assert_memory_equal(key, AUTH_APIKEY_PREFIX, 4);
    assert_int_equal(auth_apikey_create(c, alice, "", id, key), -EINVAL);
    assert_int_equal(auth_apikey_create(c, "nobody", "x", id, key), -ENOENT);
    /* Create again to keep a valid key in `key` after the failures (outputs untouched). */
    char id2[AUTH_APIKEY_ID_LEN + 1], key2[AUTH_APIKEY_LEN + 1];
    assert_int_equal(auth_apikey_create(c, alice, "laptop", id2, key2), 0);
    assert_string_not_equal(key, key2);

    /* The key is stored hashed: the clear text appears nowhere. */
    DbStmt *st;
    assert_int_equal(db_prepare(c, "SELECT COUNT(*) FROM api_keys WHERE key_hash = ?", &st), 0);
    assert_int_equal(db_bind_text(st, 1, key), 0);
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_column_int64(st, 0), 0);
    db_finalize(st);

    char who[AUTH_PRINCIPAL_ID_BYTES + 1] = "";
    assert_int_equal(auth_apikey_verify(c, key, who), 0);
    assert_string_equal(who, alice);
    Seen s = {0};
    assert_int_equal(auth_apikey_list(c, alice, seen_cb, &s), 0);
    assert_int_equal(s.n, 2);
    Seen sb = {0};
    assert_int_equal(auth_apikey_list(c, bob, seen_cb, &sb), 0);
    assert_int_equal(sb.n, 0);

    /* Wrong, truncated, altered keys. */
    char bad[AUTH_APIKEY_LEN + 1];
    memcpy(bad, key, sizeof(bad));
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    assert_int_equal(auth_apikey_verify(c, bad, who), ERR_AUTH);
    assert_int_equal(auth_apikey_verify(c, "swz_", who), ERR_AUTH);
    assert_int_equal(auth_apikey_verify(c, "", who), ERR_AUTH);
    assert_int_equal(auth_apikey_verify(c, NULL, who), ERR_AUTH);

    /* Bob cannot revoke Alice's key; Alice can, and then it is refused. */
    assert_int_equal(auth_apikey_delete(c, bob, id), -ENOENT);
    assert_int_equal(auth_apikey_verify(c, key, who), 0);
    assert_int_equal(auth_apikey_delete(c, alice, id), 0);
    assert_int_equal(auth_apikey_delete(c, alice, id), -ENOENT);
    assert_int_equal(auth_apikey_verify(c, key, who), ERR_AUTH);

    /* A disabled owner's key is refused. */
    AuthUserChange ch;
    auth_user_change_init(&ch);
    ch.disabled = 1;
    assert_int_equal(auth_user_update(c, alice, &ch), 0);
    assert_int_equal(auth_apikey_verify(c, key2, who), ERR_AUTH);

    db_release(c);
    db_close(db);
}

static void test_apikey_sqlite(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_SQLITE, run_on);
}

static void test_apikey_postgres(void **state)
{
    (void)state;
    testutil_on_backend(TESTUTIL_POSTGRES, run_on);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apikey_sqlite),
        cmocka_unit_test(test_apikey_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
