/* auth_principal.c - building a Principal from the users row; library visibility. */
#include "auth/auth_principal.h"

#include "auth/auth_password.h"
#include "core/err.h"
#include "core/str.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int auth_principal_load(DbConn *conn, const char *user_id, Principal *ret)
{
    if (!user_id || !*user_id || strlen(user_id) > AUTH_PRINCIPAL_ID_BYTES)
        return ERR_AUTH;
    Principal p;
    memset(&p, 0, sizeof(p));
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT username, is_admin, disabled, max_bitrate, may_upload, may_share, "
                       "may_download, all_libraries FROM users WHERE id = ?",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0 || (r = db_step(st)) < 0)
        goto out_stmt;
    if (r == DB_DONE || db_column_int64(st, 2) != 0) {
        r = ERR_AUTH;
        goto out_stmt;
    }
    const char *name = db_column_text(st, 0);
    str_copy(p.user_id, user_id, sizeof(p.user_id));
    str_copy(p.username, name ? name : "", sizeof(p.username));
    p.is_admin = db_column_int64(st, 1) != 0;
    int64_t kbps = db_column_int64(st, 3);
    p.max_bitrate_kbps = kbps > 0 && kbps < 1000000 ? (int)kbps : 0;
    p.may_upload = db_column_int64(st, 4) != 0;
    p.may_share = db_column_int64(st, 5) != 0;
    p.may_download = db_column_int64(st, 6) != 0;
    p.all_libraries = db_column_int64(st, 7) != 0;
    p.method = AUTH_METHOD_TOKEN;
    db_finalize(st);
    st = NULL;
    if (!p.all_libraries) {
        if ((r = db_prepare(conn,
                            "SELECT library_id FROM user_libraries WHERE user_id = ? ORDER BY "
                            "library_id",
                            &st)) < 0 ||
            (r = db_bind_text(st, 1, user_id)) < 0)
            goto out_stmt;
        while ((r = db_step(st)) == DB_ROW && p.n_library_ids < LIMIT_MUSIC_DIRS)
            p.library_ids[p.n_library_ids++] = db_column_int64(st, 0);
        if (r < 0)
            goto out_stmt;
    }
    *ret = p;
    r = 0;
out_stmt:
    db_finalize(st);
    return r;
}

typedef struct AuthPrincipalSlot {
    bool used;
    int64_t stamp; /* the users generation it was loaded under */
    Principal p;
} AuthPrincipalSlot;

struct AuthPrincipals {
    pthread_mutex_t mu;
    AuthPrincipalSlot slots[AUTH_PRINCIPALS_SLOTS]; /* guarded by mu */
};

AuthPrincipals *auth_principals_new(void)
{
    AuthPrincipals *t = calloc(1, sizeof(*t));
    if (t && pthread_mutex_init(&t->mu, NULL) != 0) {
        free(t);
        t = NULL;
    }
    return t;
}

void auth_principals_free(AuthPrincipals *table)
{
    if (!table)
        return;
    pthread_mutex_destroy(&table->mu);
    free(table);
}

static AuthPrincipalSlot *auth_principals_slot(AuthPrincipals *t, const char *user_id)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)user_id; *c; c++)
        h = (h ^ *c) * 16777619u;
    return &t->slots[h & (AUTH_PRINCIPALS_SLOTS - 1)];
}

/* Copies the Principal `slot` keeps for `user_id` under users generation `stamp` (true). */
static bool auth_principals_hit(AuthPrincipals *table, AuthPrincipalSlot *slot, const char *user_id,
                                int64_t stamp, Principal *ret)
{
    pthread_mutex_lock(&table->mu);
    bool hit = slot->used && slot->stamp == stamp && strcmp(slot->p.user_id, user_id) == 0;
    if (hit)
        *ret = slot->p;
    pthread_mutex_unlock(&table->mu);
    return hit;
}

int auth_principals_load(AuthPrincipals *table, Db *db, DbConn *conn, const char *user_id,
                         Principal *ret)
{
    int64_t stamp;
    bool kept = table && user_id && db_generation_get(db, conn, DB_GENERATION_USERS, &stamp) == 0;
    AuthPrincipalSlot *slot = kept ? auth_principals_slot(table, user_id) : NULL;
    if (slot && auth_principals_hit(table, slot, user_id, stamp, ret))
        return 0;
    DbConn *own = NULL;
    int r = conn ? 0 : db_acquire(db, &own);
    if (r == 0)
        r = auth_principal_load(conn ? conn : own, user_id, ret);
    db_release(own);
    if (r == 0 && slot) {
        pthread_mutex_lock(&table->mu);
        slot->used = true;
        slot->stamp = stamp;
        slot->p = *ret;
        pthread_mutex_unlock(&table->mu);
    }
    return r;
}

int auth_principals_peek(AuthPrincipals *table, Db *db, const char *user_id, Principal *ret)
{
    int64_t stamp;
    if (!table || !user_id || db_generation_peek(db, DB_GENERATION_USERS, &stamp) < 0)
        return -EAGAIN;
    return auth_principals_hit(table, auth_principals_slot(table, user_id), user_id, stamp, ret)
               ? 0
               : -EAGAIN;
}

int auth_principal_find(DbConn *conn, const char *username,
                        char ret_user_id[AUTH_PRINCIPAL_ID_BYTES + 1])
{
    DbStmt *st;
    int r = db_prepare(conn, "SELECT id FROM users WHERE username = ?", &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, username)) < 0 || (r = db_step(st)) < 0)
        goto out_stmt;
    if (r == DB_DONE) {
        r = -ENOENT;
        goto out_stmt;
    }
    const char *id = db_column_text(st, 0);
    if (!id || strlen(id) > AUTH_PRINCIPAL_ID_BYTES) {
        r = ERR_DB;
        goto out_stmt;
    }
    str_copy(ret_user_id, id, AUTH_PRINCIPAL_ID_BYTES + 1);
    r = 0;
out_stmt:
    db_finalize(st);
    return r;
}

int auth_principal_authenticate(DbConn *conn, const char *username, const char *user_id,
                                const char *password, const char *dummy_hash,
                                char ret_user_id[AUTH_PRINCIPAL_ID_BYTES + 1])
{
    char hash[AUTH_PASSWORD_HASH_MAX] = "";
    char id[AUTH_PRINCIPAL_ID_BYTES + 1] = "";
    bool found = false, disabled = false;
    DbStmt *st;
    int r = db_prepare(conn,
                       username ? "SELECT id, password_hash, disabled FROM users WHERE username = ?"
                                : "SELECT id, password_hash, disabled FROM users WHERE id = ?",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, username ? username : user_id)) < 0 || (r = db_step(st)) < 0)
        goto out_stmt;
    if (r == DB_ROW) {
        const char *c_id = db_column_text(st, 0), *c_hash = db_column_text(st, 1);
        found = c_id && c_hash && strlen(c_id) <= AUTH_PRINCIPAL_ID_BYTES &&
                strlen(c_hash) < sizeof(hash);
        if (found) {
            str_copy(id, c_id, sizeof(id));
            str_copy(hash, c_hash, sizeof(hash));
        }
        disabled = db_column_int64(st, 2) != 0;
    }
    db_finalize(st);
    st = NULL;
    /* The same work whether or not the user exists. */
    bool ok = auth_password_verify(password, found ? hash : dummy_hash);
    sodium_memzero(hash, sizeof(hash));
    if (!found || !ok || disabled) {
        r = ERR_AUTH;
        goto out_stmt;
    }
    if (username) {
        if ((r = db_prepare(conn, "UPDATE users SET last_login_at = ? WHERE id = ?", &st)) < 0 ||
            (r = db_bind_int64(st, 1, (int64_t)time(NULL))) < 0 ||
            (r = db_bind_text(st, 2, id)) < 0 || (r = db_step(st)) < 0)
            goto out_stmt;
    }
    str_copy(ret_user_id, id, AUTH_PRINCIPAL_ID_BYTES + 1);
    r = 0;
out_stmt:
    db_finalize(st);
    return r;
}

bool auth_principal_sees(const Principal *p, int64_t library_id)
{
    if (p->all_libraries)
        return true;
    for (size_t i = 0; i < p->n_library_ids; i++) {
        if (p->library_ids[i] == library_id)
            return true;
    }
    return false;
}
