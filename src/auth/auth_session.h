/*
 * auth_session.h - refresh tokens: long-lived, single-use, revocable sessions.
 *
 * A refresh token is 32 random bytes in base64url (43 characters), given to the client once;
 * the table refresh_tokens keeps only its SHA-256 (hex). Using one rotates it: the row is
 * revoked and a new token of the same family is issued. Presenting a revoked token again
 * (a stolen copy, or a replay) revokes the whole family. Families end with logout; all of a
 * user's rows end with logout-all, a password change or disabling the account. Each call
 * takes a borrowed DbConn and runs on the caller's thread.
 */
#ifndef SWAZ_AUTH_SESSION_H
#define SWAZ_AUTH_SESSION_H

#include "auth/auth_principal.h"
#include "db/db.h"

#include <stdint.h>

#define AUTH_SESSION_TOKEN_LEN 43 /* base64url of 32 bytes, no padding */

/* Issues a refresh token for `user_id` valid for `ttl_s` seconds from `now`, in a new family.
 * `client` (may be NULL) is a short label kept with the row. Writes the token to ret_token.
 * Returns 0 or ERR_DB. */
int auth_session_create(DbConn *conn, const char *user_id, const char *client, int64_t ttl_s,
                        int64_t now, char ret_token[AUTH_SESSION_TOKEN_LEN + 1]);

/* Rotates `token`: if it is current, revokes it, issues its successor (same family, `ttl_s`)
 * and writes the owner to ret_user_id and the successor to ret_token. A revoked token
 * revokes its whole family. Returns 0, ERR_AUTH (unknown, expired, revoked or malformed) or
 * ERR_DB / ERR_DB_BUSY. */
int auth_session_rotate(DbConn *conn, const char *token, int64_t ttl_s, int64_t now,
                        char ret_user_id[AUTH_PRINCIPAL_ID_BYTES + 1],
                        char ret_token[AUTH_SESSION_TOKEN_LEN + 1]);

/* Revokes the family of `token` (logout). Returns 0 (also for an unknown token) or ERR_DB. */
int auth_session_revoke_family(DbConn *conn, const char *token);

/* Revokes every refresh token of `user_id` (logout everywhere, password change, disable).
 * Returns 0 or ERR_DB. */
int auth_session_revoke_user(DbConn *conn, const char *user_id);

#endif
