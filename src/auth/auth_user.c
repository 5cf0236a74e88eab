/* auth_user.c - the users and user_libraries tables. */
#include "auth/auth_user.h"

#include "auth/auth_password.h"
#include "auth/auth_session.h"
#include "core/err.h"
#include "core/str.h"

#include <sodium.h>
#include <stdio.h>
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

void auth_user_change_init(AuthUserChange *c)
{
    memset(c, 0, sizeof(*c));
    c->is_admin = c->disabled = c->may_upload = c->may_share = c->may_download = -1;
    c->all_libraries = -1;
    c->max_bitrate = -1;
}

bool auth_user_email_valid(const char *email)
{
    size_t n = strlen(email);
    if (n == 0)
        return true;
    if (n > LIMIT_EMAIL_BYTES)
        return false;
    const char *at = strchr(email, '@');
    if (!at || at == email || at == email + n - 1 || strchr(at + 1, '@'))
        return false;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)email[i] <= 0x20 || (unsigned char)email[i] >= 0x7f)
            return false;
    }
    return true;
}

static bool user_flag_ok(int v)
{
    return v >= -1 && v <= 1;
}

/* Checks the values of `c` that need no database. */
static int user_change_valid(const AuthUserChange *c)
{
    if (c->username && !auth_user_name_valid(c->username))
        return -EINVAL;
    if (c->email && !auth_user_email_valid(c->email))
        return -EINVAL;
    if (c->password) {
        size_t n = strlen(c->password);
        if (n < LIMIT_PASSWORD_MIN || n > LIMIT_PASSWORD_BYTES)
            return -EINVAL;
    }
    if (!user_flag_ok(c->is_admin) || !user_flag_ok(c->disabled) || !user_flag_ok(c->may_upload) ||
        !user_flag_ok(c->may_share) || !user_flag_ok(c->may_download) ||
        !user_flag_ok(c->all_libraries))
        return -EINVAL;
    if (c->max_bitrate < -1 || c->max_bitrate > AUTH_USER_BITRATE_MAX)
        return -EINVAL;
    if (c->set_libraries && c->n_library_ids > LIMIT_MUSIC_DIRS)
        return -EINVAL;
    return 0;
}

/* Replaces the library list of `id` with `c`'s; -EINVAL for an unknown library id. */
static int user_set_libraries(DbConn *conn, const char *id, const AuthUserChange *c)
{
    DbStmt *st;
    int r = db_prepare(conn, "DELETE FROM user_libraries WHERE user_id = ?", &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_step(st)) < 0)
        goto out_finalize;
    db_finalize(st);
    r = db_prepare(conn,
                   "INSERT INTO user_libraries (user_id, library_id)"
                   " SELECT ?, id FROM libraries WHERE id = ? ON CONFLICT DO NOTHING",
                   &st);
    if (r < 0)
        return r;
    for (size_t i = 0; i < c->n_library_ids; i++) {
        if ((r = db_reset(st)) < 0 || (r = db_bind_text(st, 1, id)) < 0 ||
            (r = db_bind_int64(st, 2, c->library_ids[i])) < 0 || (r = db_step(st)) < 0)
            goto out_finalize;
        /* No row: no such library (a duplicate id is caught by the check below). */
        if (db_changes(st) == 0) {
            bool dup = false;
            for (size_t j = 0; j < i; j++)
                dup = dup || c->library_ids[j] == c->library_ids[i];
            if (!dup) {
                r = -EINVAL;
                goto out_finalize;
            }
        }
    }
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* Appends ", <column> = ?" to the SET list in `sql` when `set`. */
static void user_set_col(char *sql, size_t size, bool set, const char *column)
{
    if (!set)
        return;
    size_t n = strlen(sql);
    snprintf(sql + n, size - n, ", %s = ?", column);
}

/* Number of enabled administrators other than `id`. */
static int user_other_admins(DbConn *conn, const char *id, int64_t *ret_n)
{
    DbStmt *st;
    int r = db_prepare(
        conn, "SELECT COUNT(*) FROM users WHERE is_admin = 1 AND disabled = 0 AND id <> ?", &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_ROW) {
        *ret_n = db_column_int64(st, 0);
        r = 0;
    } else if (r == DB_DONE) {
        r = ERR_DB;
    }
out_finalize:
    db_finalize(st);
    return r;
}

/* The UPDATE of auth_user_update(), inside its transaction. */
static int user_apply(DbConn *conn, const char *id, const AuthUserChange *c)
{
    AuthUser cur;
    int r = auth_user_get(conn, id, &cur);
    if (r < 0)
        return r;
    bool loses_admin = cur.is_admin && !cur.disabled && (c->is_admin == 0 || c->disabled == 1);
    if (loses_admin) {
        int64_t others = 0;
        if ((r = user_other_admins(conn, id, &others)) < 0)
            return r;
        if (others == 0)
            return AUTH_USER_LAST_ADMIN;
    }
    char hash[AUTH_PASSWORD_HASH_MAX] = "";
    if (c->password && (r = auth_password_hash(c->password, hash)) < 0)
        return r;

    char sql[512] = "UPDATE users SET updated_at = ?";
    user_set_col(sql, sizeof(sql), c->username, "username");
    user_set_col(sql, sizeof(sql), c->password, "password_hash");
    user_set_col(sql, sizeof(sql), c->email, "email");
    user_set_col(sql, sizeof(sql), c->is_admin >= 0, "is_admin");
    user_set_col(sql, sizeof(sql), c->disabled >= 0, "disabled");
    user_set_col(sql, sizeof(sql), c->may_upload >= 0, "may_upload");
    user_set_col(sql, sizeof(sql), c->may_share >= 0, "may_share");
    user_set_col(sql, sizeof(sql), c->may_download >= 0, "may_download");
    user_set_col(sql, sizeof(sql), c->all_libraries >= 0, "all_libraries");
    user_set_col(sql, sizeof(sql), c->max_bitrate >= 0, "max_bitrate");
    size_t n = strlen(sql);
    snprintf(sql + n, sizeof(sql) - n, " WHERE id = ?");

    DbStmt *st;
    if ((r = db_prepare(conn, sql, &st)) < 0)
        goto out_wipe;
    int i = 1;
    if ((r = db_bind_int64(st, i++, (int64_t)time(NULL))) < 0 ||
        (c->username && (r = db_bind_text(st, i++, c->username)) < 0) ||
        (c->password && (r = db_bind_text(st, i++, hash)) < 0) ||
        (c->email && (r = db_bind_text(st, i++, c->email)) < 0) ||
        (c->is_admin >= 0 && (r = db_bind_int64(st, i++, c->is_admin)) < 0) ||
        (c->disabled >= 0 && (r = db_bind_int64(st, i++, c->disabled)) < 0) ||
        (c->may_upload >= 0 && (r = db_bind_int64(st, i++, c->may_upload)) < 0) ||
        (c->may_share >= 0 && (r = db_bind_int64(st, i++, c->may_share)) < 0) ||
        (c->may_download >= 0 && (r = db_bind_int64(st, i++, c->may_download)) < 0) ||
        (c->all_libraries >= 0 && (r = db_bind_int64(st, i++, c->all_libraries)) < 0) ||
        (c->max_bitrate >= 0 && (r = db_bind_int64(st, i++, c->max_bitrate)) < 0) ||
        (r = db_bind_text(st, i, id)) < 0)
        goto out_finalize;
    if ((r = db_step(st)) < 0)
        goto out_finalize;
    db_finalize(st);
    st = NULL;
    if (c->set_libraries && (r = user_set_libraries(conn, id, c)) < 0)
        goto out_wipe;
    /* A new password or a disabled account ends every session of the user. */
    if ((c->password || c->disabled == 1) && (r = auth_session_revoke_user(conn, id)) < 0)
        goto out_wipe;
    r = db_generation_bump(conn, DB_GENERATION_USERS); /* signed-in copies are stale */
out_finalize:
    db_finalize(st);
out_wipe:
    sodium_memzero(hash, sizeof(hash));
    return r;
}

int auth_user_update(DbConn *conn, const char *id, const AuthUserChange *c)
{
    int r = user_change_valid(c);
    if (r < 0)
        return r;
    if ((r = db_begin_write(conn)) < 0)
        return r;
    r = user_apply(conn, id, c);
    if (r == 0)
        r = db_commit(conn);
    if (r < 0)
        db_rollback(conn);
    return r;
}

int auth_user_create(DbConn *conn, const char *username, const char *password, bool is_admin,
                     const AuthUserChange *c, char ret_id[AUTH_USER_ID_LEN + 1])
{
    if (!auth_user_name_valid(username))
        return -EINVAL;
    AuthUserChange none;
    if (!c) {
        auth_user_change_init(&none);
        c = &none;
    }
    int r = user_change_valid(c);
    if (r < 0)
        return r;
    char hash[AUTH_PASSWORD_HASH_MAX];
    r = auth_password_hash(password, hash);
    if (r < 0)
        return r;
    unsigned char raw[AUTH_USER_ID_LEN / 2];
    char id[AUTH_USER_ID_LEN + 1];
    randombytes_buf(raw, sizeof(raw));
    str_hex(raw, sizeof(raw), id);
    int64_t now = (int64_t)time(NULL);

    if ((r = db_begin_write(conn)) < 0)
        goto out_wipe;
    DbStmt *st;
    r = db_prepare(conn,
                   "INSERT INTO users (id, username, password_hash, is_admin, created_at, "
                   "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                   &st);
    if (r < 0)
        goto out_rollback;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_text(st, 2, username)) < 0 ||
        (r = db_bind_text(st, 3, hash)) < 0 || (r = db_bind_int64(st, 4, is_admin)) < 0 ||
        (r = db_bind_int64(st, 5, now)) < 0 || (r = db_bind_int64(st, 6, now)) < 0) {
        db_finalize(st);
        goto out_rollback;
    }
    r = db_step(st);
    db_finalize(st);
    if (r < 0)
        goto out_rollback;
    /* The settings other than name and password, applied as a change of the new row. */
    AuthUserChange rest = *c;
    rest.username = NULL;
    rest.password = NULL;
    rest.is_admin = -1;
    if ((r = user_apply(conn, id, &rest)) < 0)
        goto out_rollback;
    if ((r = db_commit(conn)) < 0)
        goto out_rollback;
    memcpy(ret_id, id, sizeof(id));
    goto out_wipe;
out_rollback:
    db_rollback(conn);
out_wipe:
    sodium_memzero(hash, sizeof(hash));
    return r;
}

int auth_user_add(DbConn *conn, const char *username, const char *password, bool is_admin)
{
    char id[AUTH_USER_ID_LEN + 1];
    return auth_user_create(conn, username, password, is_admin, NULL, id);
}

#define USER_COLUMNS                                                                               \
    "id, username, is_admin, created_at, disabled, max_bitrate, may_upload, may_share, "           \
    "may_download, all_libraries, CASE WHEN app_password IS NULL THEN 0 ELSE 1 END, email"

static void user_read(DbStmt *st, AuthUser *u)
{
    memset(u, 0, sizeof(*u));
    const char *id = db_column_text(st, 0), *name = db_column_text(st, 1);
    const char *email = db_column_text(st, 11);
    str_copy(u->id, id ? id : "", sizeof(u->id));
    str_copy(u->username, name ? name : "", sizeof(u->username));
    u->is_admin = db_column_int64(st, 2) != 0;
    u->created_at = db_column_int64(st, 3);
    u->disabled = db_column_int64(st, 4) != 0;
    u->max_bitrate = db_column_int64(st, 5);
    u->may_upload = db_column_int64(st, 6) != 0;
    u->may_share = db_column_int64(st, 7) != 0;
    u->may_download = db_column_int64(st, 8) != 0;
    u->all_libraries = db_column_int64(st, 9) != 0;
    u->has_app_password = db_column_int64(st, 10) != 0;
    str_copy(u->email, email ? email : "", sizeof(u->email));
}

/* Reads the one user `sql` (one text parameter) selects, with its libraries. */
static int user_get_one(DbConn *conn, const char *sql, const char *key, AuthUser *ret_user)
{
    AuthUser u;
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, key)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_DONE)
        r = -ENOENT;
    if (r < 0)
        goto out_finalize;
    user_read(st, &u);
    db_finalize(st);
    r = db_prepare(conn,
                   "SELECT library_id FROM user_libraries WHERE user_id = ?"
                   " ORDER BY library_id LIMIT ?",
                   &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, u.id)) < 0 || (r = db_bind_int64(st, 2, LIMIT_MUSIC_DIRS)) < 0)
        goto out_finalize;
    while ((r = db_step(st)) == DB_ROW)
        u.library_ids[u.n_library_ids++] = db_column_int64(st, 0);
    if (r < 0)
        goto out_finalize;
    *ret_user = u;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int auth_user_get(DbConn *conn, const char *id, AuthUser *ret_user)
{
    return user_get_one(conn, "SELECT " USER_COLUMNS " FROM users WHERE id = ?", id, ret_user);
}

int auth_user_get_by_name(DbConn *conn, const char *username, AuthUser *ret_user)
{
    return user_get_one(conn, "SELECT " USER_COLUMNS " FROM users WHERE username = ?", username,
                        ret_user);
}

int auth_user_delete_id(DbConn *conn, const char *id)
{
    int r = db_begin_write(conn);
    if (r < 0)
        return r;
    AuthUser cur;
    if ((r = auth_user_get(conn, id, &cur)) < 0)
        goto out_rollback;
    if (cur.is_admin && !cur.disabled) {
        int64_t others = 0;
        if ((r = user_other_admins(conn, id, &others)) < 0)
            goto out_rollback;
        if (others == 0) {
            r = AUTH_USER_LAST_ADMIN;
            goto out_rollback;
        }
    }
    DbStmt *st;
    if ((r = db_prepare(conn, "DELETE FROM users WHERE id = ?", &st)) < 0)
        goto out_rollback;
    if ((r = db_bind_text(st, 1, id)) == 0)
        r = db_step(st);
    db_finalize(st);
    if (r < 0 || (r = db_generation_bump(conn, DB_GENERATION_USERS)) < 0)
        goto out_rollback;
    if ((r = db_commit(conn)) < 0)
        goto out_rollback;
    return 0;
out_rollback:
    db_rollback(conn);
    return r;
}

int auth_user_list(DbConn *conn, int (*fn)(void *ctx, const AuthUser *user), void *ctx)
{
    DbStmt *st;
    int r = db_prepare(conn, "SELECT " USER_COLUMNS " FROM users ORDER BY username", &st);
    if (r < 0)
        return r;
    while ((r = db_step(st)) == DB_ROW) {
        AuthUser u;
        user_read(st, &u);
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
    AuthUser u;
    int r = auth_user_get_by_name(conn, username, &u);
    if (r < 0)
        return r;
    AuthUserChange c;
    auth_user_change_init(&c);
    c.password = password;
    return auth_user_update(conn, u.id, &c);
}

int auth_user_delete(DbConn *conn, const char *username)
{
    int r = auth_user_change(conn, "DELETE FROM users WHERE username = ?", NULL, username);
    return r < 0 ? r : db_generation_bump(conn, DB_GENERATION_USERS);
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
