/* auth_user.c - the users table. */
#include "auth/auth_user.h"

#include "auth/auth_password.h"
#include "core/err.h"
#include "core/str.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

bool auth_user_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > LIMIT_USERNAME_BYTES)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '-'))
            return false;
    }
    return true;
}

int auth_user_add(DbConn *conn, const char *username, const char *password, bool is_admin)
{
    if (!auth_user_name_valid(username))
        return -EINVAL;
    char hash[AUTH_PASSWORD_HASH_MAX];
    int r = auth_password_hash(password, hash);
    if (r < 0)
        return r;
    unsigned char raw[AUTH_USER_ID_LEN / 2];
    char id[AUTH_USER_ID_LEN + 1];
    randombytes_buf(raw, sizeof(raw));
    str_hex(raw, sizeof(raw), id);
    int64_t now = (int64_t)time(NULL);

    DbStmt *st;
    r = db_prepare(conn,
                   "INSERT INTO users (id, username, password_hash, is_admin, created_at, "
                   "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                   &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_text(st, 2, username)) < 0 ||
        (r = db_bind_text(st, 3, hash)) < 0 || (r = db_bind_int64(st, 4, is_admin)) < 0 ||
        (r = db_bind_int64(st, 5, now)) < 0 || (r = db_bind_int64(st, 6, now)) < 0)
        goto out;
    r = db_step(st);
    r = r < 0 ? r : 0;
out:
    db_finalize(st);
    sodium_memzero(hash, sizeof(hash));
    return r;
}

int auth_user_list(DbConn *conn, int (*fn)(void *ctx, const AuthUser *user), void *ctx)
{
    DbStmt *st;
    int r = db_prepare(
        conn, "SELECT id, username, is_admin, created_at FROM users ORDER BY username", &st);
    if (r < 0)
        return r;
    while ((r = db_step(st)) == DB_ROW) {
        AuthUser u = {0};
        const char *id = db_column_text(st, 0), *name = db_column_text(st, 1);
        str_copy(u.id, id ? id : "", sizeof(u.id));
        str_copy(u.username, name ? name : "", sizeof(u.username));
        u.is_admin = db_column_int64(st, 2) != 0;
        u.created_at = db_column_int64(st, 3);
        r = fn(ctx, &u);
        if (r != 0)
            break;
    }
    db_finalize(st);
    return r < 0 ? r : (r == DB_DONE ? 0 : r);
}

/* Runs a one-parameter-plus-username UPDATE/DELETE and maps "no row" to -ENOENT. */
static int auth_user_change(DbConn *conn, const char *sql, const char *value, const char *username)
{
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    int i = 1;
    if (value && (r = db_bind_text(st, i++, value)) < 0)
        goto out;
    if ((r = db_bind_text(st, i, username)) < 0)
        goto out;
    r = db_step(st);
    if (r >= 0)
        r = db_changes(st) > 0 ? 0 : -ENOENT;
out:
    db_finalize(st);
    return r;
}

int auth_user_set_password(DbConn *conn, const char *username, const char *password)
{
    char hash[AUTH_PASSWORD_HASH_MAX];
    int r = auth_password_hash(password, hash);
    if (r < 0)
        return r;
    r = auth_user_change(conn, "UPDATE users SET password_hash = ? WHERE username = ?", hash,
                         username);
    sodium_memzero(hash, sizeof(hash));
    return r;
}

int auth_user_delete(DbConn *conn, const char *username)
{
    return auth_user_change(conn, "DELETE FROM users WHERE username = ?", NULL, username);
}

int auth_user_count(DbConn *conn, int64_t *ret_count)
{
    DbStmt *st;
    int r = db_prepare(conn, "SELECT COUNT(*) FROM users", &st);
    if (r < 0)
        return r;
    r = db_step(st);
    if (r == DB_ROW) {
        *ret_count = db_column_int64(st, 0);
        r = 0;
    } else if (r == DB_DONE) {
        r = ERR_DB;
    }
    db_finalize(st);
    return r;
}
