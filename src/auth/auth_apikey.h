/*
 * auth_apikey.h - API keys: OpenSubsonic `apiKey=` and the X-API-Key header.
 *
 * A key is AUTH_APIKEY_PREFIX followed by 32 random bytes in unpadded base64url; it is shown
 * to its owner once and stored only as its SHA-256 (hex) in api_keys.key_hash, so a database
 * leak gives no usable key. Keys belong to one user and are listed and revoked by that user
 * only. Each call takes a borrowed DbConn and runs on the caller's thread (any thread).
 */
#ifndef SWAZ_AUTH_APIKEY_H
#define SWAZ_AUTH_APIKEY_H

#include "auth/auth_principal.h"
#include "core/limits.h"
#include "db/db.h"

#include <stdint.h>

#define AUTH_APIKEY_PREFIX "swz_"
#define AUTH_APIKEY_LEN    47 /* prefix (4) + 43 base64url characters */
#define AUTH_APIKEY_ID_LEN 24 /* hex */

typedef struct AuthApiKey {
    char id[AUTH_APIKEY_ID_LEN + 1];
    char name[LIMIT_API_KEY_NAME_BYTES + 1];
    int64_t created_at;
    int64_t last_used_at; /* 0: never used */
} AuthApiKey;

/* Creates a key named `name` (1..LIMIT_API_KEY_NAME_BYTES bytes) for user `user_id` and
 * writes its id and the key itself (the only time it exists in clear). Returns 0, -EINVAL
 * (bad name), ERR_LIMIT (the user already holds LIMIT_API_KEYS_PER_USER keys), -ENOENT (no
 * such user) or ERR_DB. */
int auth_apikey_create(DbConn *conn, const char *user_id, const char *name,
                       char ret_id[AUTH_APIKEY_ID_LEN + 1], char ret_key[AUTH_APIKEY_LEN + 1]);

/* Calls `fn` for each key of `user_id`, newest first; stops at fn's first non-zero return,
 * which it returns. Returns 0 or ERR_DB otherwise. The key itself is never returned. */
int auth_apikey_list(DbConn *conn, const char *user_id, int (*fn)(void *ctx, const AuthApiKey *key),
                     void *ctx);

/* Revokes key `id` of `user_id`. Returns 0, -ENOENT (no such key, or another user's) or
 * ERR_DB. */
int auth_apikey_delete(DbConn *conn, const char *user_id, const char *id);

/* Checks `key`: on success writes the id of its (enabled) owner to ret_user_id and records
 * the use in last_used_at. Compares hashes in constant time. Returns 0, ERR_AUTH (unknown,
 * malformed or revoked key, or a disabled owner) or ERR_DB. */
int auth_apikey_verify(DbConn *conn, const char *key,
                       char ret_user_id[AUTH_PRINCIPAL_ID_BYTES + 1]);

#endif
