/* auth_session.c - the refresh_tokens table: hashed, rotated, revoked by family or user. */
#include "auth/auth_session.h"

#include "core/err.h"
#include "core/str.h"

#include <sodium.h>
#include <string.h>

#define AUTH_SESSION_HASH_HEX (crypto_hash_sha256_BYTES * 2)
#define AUTH_SESSION_ID_HEX   24

/* SHA-256 hex of a well-formed token; ERR_AUTH for anything that cannot be one of ours. */
static int auth_session_hash(const char *token, char out[AUTH_SESSION_HASH_HEX + 1])
{
    if (!str_is_base64url(token, AUTH_SESSION_TOKEN_LEN, AUTH_SESSION_TOKEN_LEN))
        return ERR_AUTH;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, AUTH_SESSION_TOKEN_LEN);
    str_hex(h, sizeof(h), out);
    return 0;
}

static void auth_session_random_hex(char out[AUTH_SESSION_ID_HEX + 1])
{
    unsigned char raw[AUTH_SESSION_ID_HEX / 2];
    randombytes_buf(raw, sizeof(raw));
    str_hex(raw, sizeof(raw), out);
}

/* Inserts a new row for a fresh token in `family`. */
static int auth_session_insert(DbConn *conn, const char *user_id, const char *family,
                               const char *client, int64_t ttl_s, int64_t now,
                               char ret_token[AUTH_SESSION_TOKEN_LEN + 1])
{
    unsigned char raw[32];
    char token[AUTH_SESSION_TOKEN_LEN + 1];
    char hash[AUTH_SESSION_HASH_HEX + 1];
    char id[AUTH_SESSION_ID_HEX + 1];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(token, sizeof(token), raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    auth_session_hash(token, hash);
    auth_session_random_hex(id);
    DbStmt *st;
    int r = db_prepare(conn,
                       "INSERT INTO refresh_tokens (id, user_id, family, token_hash, created_at, "
                       "expires_at, client) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       &st);
    if (r < 0)
        goto out_wipe;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_text(st, 2, user_id)) < 0 ||
        (r = db_bind_text(st, 3, family)) < 0 || (r = db_bind_text(st, 4, hash)) < 0 ||
        (r = db_bind_int64(st, 5, now)) < 0 || (r = db_bind_int64(st, 6, now + ttl_s)) < 0 ||
        (r = db_bind_text(st, 7, client ? client : "")) < 0)
        goto out_stmt;
    r = db_step(st);
    if (r >= 0) {
        memcpy(ret_token, token, sizeof(token));
        r = 0;
    }
out_stmt:
    db_finalize(st);
out_wipe:
    sodium_memzero(token, sizeof(token));
    return r;
}

int auth_session_create(DbConn *conn, const char *user_id, const char *client, int64_t ttl_s,
                        int64_t now, char ret_token[AUTH_SESSION_TOKEN_LEN + 1])
{
    char family[AUTH_SESSION_ID_HEX + 1];
    auth_session_random_hex(family);
    return auth_session_insert(conn, user_id, family, client, ttl_s, now, ret_token);
}

/* Runs "UPDATE refresh_tokens SET revoked = 1 WHERE <col> = ?". */
static int auth_session_revoke_by(DbConn *conn, const char *sql, const char *value)
{
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, value)) == 0)
        r = db_step(st);
    db_finalize(st);
    return r < 0 ? r : 0;
}

int auth_session_rotate(DbConn *conn, const char *token, int64_t ttl_s, int64_t now,
                        char ret_user_id[AUTH_PRINCIPAL_ID_BYTES + 1],
                        char ret_token[AUTH_SESSION_TOKEN_LEN + 1])
{
    char hash[AUTH_SESSION_HASH_HEX + 1];
    if (auth_session_hash(token, hash) < 0)
        return ERR_AUTH;
    int r = db_begin_write(conn);
    if (r < 0)
        return r;
    DbStmt *st = NULL;
    char id[AUTH_SESSION_ID_HEX + 1], user_id[AUTH_PRINCIPAL_ID_BYTES + 1];
    char family[AUTH_SESSION_ID_HEX + 1], client[64];
    if ((r = db_prepare(conn,
                        "SELECT id, user_id, family, expires_at, revoked, client FROM "
                        "refresh_tokens WHERE token_hash = ?",
                        &st)) < 0 ||
        (r = db_bind_text(st, 1, hash)) < 0)
        goto out_rollback;
    r = db_step(st);
    if (r < 0)
        goto out_rollback;
    if (r == DB_DONE) {
        r = ERR_AUTH;
        goto out_rollback;
    }
    const char *c_id = db_column_text(st, 0), *c_user = db_column_text(st, 1),
               *c_family = db_column_text(st, 2), *c_client = db_column_text(st, 5);
    str_copy(id, c_id ? c_id : "", sizeof(id));
    str_copy(user_id, c_user ? c_user : "", sizeof(user_id));
    str_copy(family, c_family ? c_family : "", sizeof(family));
    str_copy(client, c_client ? c_client : "", sizeof(client));
    int64_t expires_at = db_column_int64(st, 3);
    bool revoked = db_column_int64(st, 4) != 0;
    db_finalize(st);
    st = NULL;
    if (revoked) {
        /* Reuse: whoever holds this family's tokens, none of them may go on. */
        r = auth_session_revoke_by(conn, "UPDATE refresh_tokens SET revoked = 1 WHERE family = ?",
                                   family);
        if (r < 0 || (r = db_commit(conn)) < 0)
            goto out_rollback;
        return ERR_AUTH;
    }
    if (expires_at <= now) {
        r = ERR_AUTH;
        goto out_rollback;
    }
    if ((r = db_prepare(conn,
                        "UPDATE refresh_tokens SET revoked = 1, last_used_at = ? WHERE id = ? AND "
                        "revoked = 0",
                        &st)) < 0 ||
        (r = db_bind_int64(st, 1, now)) < 0 || (r = db_bind_text(st, 2, id)) < 0 ||
        (r = db_step(st)) < 0)
        goto out_rollback;
    if (db_changes(st) != 1) {
        r = ERR_AUTH; /* a concurrent rotation won */
        goto out_rollback;
    }
    db_finalize(st);
    st = NULL;
    char next[AUTH_SESSION_TOKEN_LEN + 1];
    if ((r = auth_session_insert(conn, user_id, family, client, ttl_s, now, next)) < 0)
        goto out_rollback;
    if ((r = db_commit(conn)) < 0) {
        sodium_memzero(next, sizeof(next));
        goto out_rollback;
    }
    str_copy(ret_user_id, user_id, AUTH_PRINCIPAL_ID_BYTES + 1);
    memcpy(ret_token, next, sizeof(next));
    sodium_memzero(next, sizeof(next));
    return 0;
out_rollback:
    db_finalize(st);
    db_rollback(conn);
    return r;
}

int auth_session_revoke_family(DbConn *conn, const char *token)
{
    char hash[AUTH_SESSION_HASH_HEX + 1];
    if (auth_session_hash(token, hash) < 0)
        return 0;
    return auth_session_revoke_by(conn,
                                  "UPDATE refresh_tokens SET revoked = 1 WHERE family IN (SELECT "
                                  "family FROM refresh_tokens WHERE token_hash = ?)",
                                  hash);
}

int auth_session_revoke_user(DbConn *conn, const char *user_id)
{
    return auth_session_revoke_by(conn, "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ?",
                                  user_id);
}
