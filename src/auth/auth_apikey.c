/* auth_apikey.c - the api_keys table: random keys, stored as SHA-256 hex. */
#include "auth/auth_apikey.h"

#include "core/err.h"
#include "core/str.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#define APIKEY_HASH_HEX (crypto_hash_sha256_BYTES * 2)

/* Writes the SHA-256 hex of `key` into `out` (APIKEY_HASH_HEX + 1 bytes). */
static void apikey_hash(const char *key, char out[APIKEY_HASH_HEX + 1])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)key, strlen(key));
    str_hex(digest, sizeof(digest), out);
    sodium_memzero(digest, sizeof(digest));
}

static bool apikey_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > LIMIT_API_KEY_NAME_BYTES)
        return false;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return false;
    }
    return true;
}

/* Counts the keys of `user_id` into *ret_n; -ENOENT when the user does not exist. */
static int apikey_count(DbConn *conn, const char *user_id, int64_t *ret_n)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT (SELECT COUNT(*) FROM users WHERE id = ?),"
                       " (SELECT COUNT(*) FROM api_keys WHERE user_id = ?)",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0 || (r = db_bind_text(st, 2, user_id)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_ROW) {
        if (db_column_int64(st, 0) == 0) {
            r = -ENOENT;
        } else {
            *ret_n = db_column_int64(st, 1);
            r = 0;
        }
    } else if (r == DB_DONE) {
        r = ERR_DB;
    }
out_finalize:
    db_finalize(st);
    return r;
}

int auth_apikey_create(DbConn *conn, const char *user_id, const char *name,
                       char ret_id[AUTH_APIKEY_ID_LEN + 1], char ret_key[AUTH_APIKEY_LEN + 1])
{
    if (!apikey_name_valid(name))
        return -EINVAL;
    int64_t n = 0;
    int r = apikey_count(conn, user_id, &n);
    if (r < 0)
        return r;
    if (n >= LIMIT_API_KEYS_PER_USER)
        return ERR_LIMIT;

    unsigned char raw_id[AUTH_APIKEY_ID_LEN / 2];
    char id[AUTH_APIKEY_ID_LEN + 1];
    randombytes_buf(raw_id, sizeof(raw_id));
    str_hex(raw_id, sizeof(raw_id), id);

    unsigned char secret[32];
    char key[AUTH_APIKEY_LEN + 1];
    char hash[APIKEY_HASH_HEX + 1];
    size_t plen = strlen(AUTH_APIKEY_PREFIX);
    randombytes_buf(secret, sizeof(secret));
    memcpy(key, AUTH_APIKEY_PREFIX, plen);
    sodium_bin2base64(key + plen, sizeof(key) - plen, secret, sizeof(secret),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    apikey_hash(key, hash);

    DbStmt *st;
    r = db_prepare(conn,
                   "INSERT INTO api_keys (id, user_id, name, key_hash, created_at)"
                   " VALUES (?, ?, ?, ?, ?)",
                   &st);
    if (r < 0)
        goto out_wipe;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_text(st, 2, user_id)) < 0 ||
        (r = db_bind_text(st, 3, name)) < 0 || (r = db_bind_text(st, 4, hash)) < 0 ||
        (r = db_bind_int64(st, 5, (int64_t)time(NULL))) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r < 0)
        goto out_finalize;
    memcpy(ret_id, id, sizeof(id));
    memcpy(ret_key, key, sizeof(key));
    r = 0;
out_finalize:
    db_finalize(st);
out_wipe:
    sodium_memzero(secret, sizeof(secret));
    sodium_memzero(key, sizeof(key));
    return r;
}

int auth_apikey_list(DbConn *conn, const char *user_id, int (*fn)(void *ctx, const AuthApiKey *key),
                     void *ctx)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT id, name, created_at, last_used_at FROM api_keys"
                       " WHERE user_id = ? ORDER BY created_at DESC, id DESC",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0)
        goto out_finalize;
    while ((r = db_step(st)) == DB_ROW) {
        AuthApiKey k = {0};
        const char *id = db_column_text(st, 0), *name = db_column_text(st, 1);
        str_copy(k.id, id ? id : "", sizeof(k.id));
        str_copy(k.name, name ? name : "", sizeof(k.name));
        k.created_at = db_column_int64(st, 2);
        k.last_used_at = db_column_is_null(st, 3) ? 0 : db_column_int64(st, 3);
        r = fn(ctx, &k);
        if (r != 0)
            goto out_finalize;
    }
    if (r == DB_DONE)
        r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int auth_apikey_delete(DbConn *conn, const char *user_id, const char *id)
{
    DbStmt *st;
    int r = db_prepare(conn, "DELETE FROM api_keys WHERE id = ? AND user_id = ?", &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_text(st, 2, user_id)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r >= 0)
        r = db_changes(st) > 0 ? 0 : -ENOENT;
out_finalize:
    db_finalize(st);
    return r;
}

int auth_apikey_verify(DbConn *conn, const char *key, char ret_user_id[AUTH_PRINCIPAL_ID_BYTES + 1])
{
    /* The length and prefix are public facts about every key; checking them first leaks
     * nothing. The lookup is by the hash, so its timing says nothing about the key. */
    if (!key || strlen(key) != AUTH_APIKEY_LEN || !str_has_prefix(key, AUTH_APIKEY_PREFIX))
        return ERR_AUTH;
    char hash[APIKEY_HASH_HEX + 1];
    char user_id[AUTH_PRINCIPAL_ID_BYTES + 1] = "";
    char key_id[AUTH_APIKEY_ID_LEN + 1] = "";
    apikey_hash(key, hash);

    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT k.id, k.user_id, k.key_hash FROM api_keys k"
                       " JOIN users u ON u.id = k.user_id WHERE k.key_hash = ? AND u.disabled = 0",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, hash)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_DONE) {
        r = ERR_AUTH;
        goto out_finalize;
    }
    if (r < 0)
        goto out_finalize;
    const char *kid = db_column_text(st, 0), *uid = db_column_text(st, 1);
    const char *stored = db_column_text(st, 2);
    if (!kid || !uid || !stored || strlen(stored) != APIKEY_HASH_HEX ||
        sodium_memcmp(stored, hash, APIKEY_HASH_HEX) != 0 ||
        str_copy(user_id, uid, sizeof(user_id)) >= sizeof(user_id)) {
        r = ERR_AUTH;
        goto out_finalize;
    }
    str_copy(key_id, kid, sizeof(key_id));
    db_finalize(st);
    st = NULL;

    /* Recording the use is best effort: a busy database must not refuse a valid key. */
    if (db_prepare(conn, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", &st) == 0 &&
        db_bind_int64(st, 1, (int64_t)time(NULL)) == 0 && db_bind_text(st, 2, key_id) == 0)
        (void)db_step(st);
    memcpy(ret_user_id, user_id, sizeof(user_id));
    r = 0;
out_finalize:
    db_finalize(st);
    sodium_memzero(hash, sizeof(hash));
    return r;
}
