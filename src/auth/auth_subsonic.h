/*
 * auth_subsonic.h - Subsonic credentials: which mechanism a request uses, and checking it.
 *
 * OpenSubsonic rules: `apiKey` alone (with `u` it is a conflict); `p` as plain text or
 * "enc:" + hex, checked against the Argon2id login hash; `t` + `s` (t = md5(password + s))
 * checked only against the user's separate, server-generated app password, which is stored
 * encrypted (crypto_secretbox) with the server's 32-byte app-password key. Unknown users and
 * wrong passwords give the same error after the same work (a dummy hash). Owns nothing;
 * any thread, each with its own DbConn.
 */
#ifndef SWAZ_AUTH_SUBSONIC_H
#define SWAZ_AUTH_SUBSONIC_H

#include "auth/auth_principal.h"
#include "core/err.h"
#include "db/db.h"

#include <stddef.h>

/* Length of a generated app password. */
#define AUTH_SUBSONIC_APP_PASSWORD_LEN 24

/* Errors of auth_subsonic_verify(), each with its Subsonic error code. */
enum {
    AUTH_SUBSONIC_MISSING = -(ERR_BASE + 101),     /* 10: no (or incomplete) credentials */
    AUTH_SUBSONIC_WRONG = -(ERR_BASE + 102),       /* 40: wrong username or password */
    AUTH_SUBSONIC_NO_TOKEN = -(ERR_BASE + 103),    /* 41: t+s but the user has no app password */
    AUTH_SUBSONIC_CONFLICT = -(ERR_BASE + 104),    /* 43: several mechanisms at once */
    AUTH_SUBSONIC_BAD_API_KEY = -(ERR_BASE + 105), /* 44: an unknown or revoked apiKey */
};

/* Mechanisms, as auth_subsonic_mechanism() names them. */
typedef enum {
    AUTH_SUBSONIC_MECH_API_KEY,
    AUTH_SUBSONIC_MECH_PASSWORD, /* p= (plain or enc:) */
    AUTH_SUBSONIC_MECH_TOKEN,    /* t= and s= */
} AuthSubsonicMech;

/* Picks the mechanism the parameters ask for (NULL: absent; "" counts as present). Returns
 * 0 with *ret_mech set, AUTH_SUBSONIC_MISSING or AUTH_SUBSONIC_CONFLICT. Pure. */
int auth_subsonic_mechanism(const char *u, const char *p, const char *t, const char *s,
                            const char *api_key, AuthSubsonicMech *ret_mech);

/* Decodes a p= value: "enc:" + hex (either case) is decoded, anything else copied. Writes
 * a NUL-terminated password into `out` (`size` bytes). Returns 0, or AUTH_SUBSONIC_WRONG
 * (bad hex, an embedded NUL, or longer than size - 1). Pure. */
int auth_subsonic_decode_password(const char *p, char *out, size_t size);

/* Writes md5(data) as 32 lowercase hex characters and a NUL into `out`. Pure; used only to
 * compare with a client's token. */
void auth_subsonic_md5_hex(const void *data, size_t len, char out[33]);

/* Checks the credentials of a Subsonic request. `app_key` may be NULL (token auth is then
 * unavailable). On success writes the user's id to ret_user_id and returns 0; otherwise
 * returns one of the AUTH_SUBSONIC_* errors above or ERR_DB. Disabled users are refused
 * like wrong passwords. */
int auth_subsonic_verify(DbConn *conn, const unsigned char app_key[32], const char *u,
                         const char *p, const char *t, const char *s, const char *api_key,
                         char ret_user_id[AUTH_PRINCIPAL_ID_BYTES + 1]);

/* Returns the Subsonic error code (10, 40, 41, 43, 44; 0 for anything else) of `err`. */
int auth_subsonic_error_code(int err);

/* Generates a new app password for user `user_id`, stores it encrypted with `app_key` and
 * writes it (AUTH_SUBSONIC_APP_PASSWORD_LEN characters and a NUL) to ret_password: the only
 * time it exists in clear. Returns 0, -ENOENT or ERR_DB. */
int auth_subsonic_app_password_set(DbConn *conn, const unsigned char app_key[32],
                                   const char *user_id,
                                   char ret_password[AUTH_SUBSONIC_APP_PASSWORD_LEN + 1]);

/* Removes the app password of `user_id`. Returns 0, -ENOENT (no such user) or ERR_DB. */
int auth_subsonic_app_password_clear(DbConn *conn, const char *user_id);

#endif
