/*
 * auth_principal.h - an authenticated user as the rest of the server sees it.
 *
 * Built by the API's guard for each request from the users row (so a disabled account or
 * changed rights take effect at once) and read by handlers and library queries to scope
 * what the user may see and do. Plain data: any thread.
 */
#ifndef SWAZ_AUTH_PRINCIPAL_H
#define SWAZ_AUTH_PRINCIPAL_H

#include "core/limits.h"
#include "db/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_PRINCIPAL_ID_BYTES 32

typedef enum {
    AUTH_METHOD_TOKEN,    /* Authorization: Bearer <access token> */
    AUTH_METHOD_COOKIE,   /* the session cookie (writes need the CSRF header) */
    AUTH_METHOD_API_KEY,  /* X-API-Key header or apiKey parameter */
    AUTH_METHOD_SUBSONIC, /* u + p / enc: / t + s */
    AUTH_METHOD_PROXY,    /* the trusted reverse-proxy header */
} AuthMethod;

typedef struct Principal {
    char user_id[AUTH_PRINCIPAL_ID_BYTES + 1];
    char username[LIMIT_USERNAME_BYTES + 1];
    bool is_admin;
    bool may_upload;
    bool may_share;
    bool may_download;
    int max_bitrate_kbps;                  /* 0: no limit */
    bool all_libraries;                    /* true: every library, whatever library_ids says */
    int64_t library_ids[LIMIT_MUSIC_DIRS]; /* the libraries the user may see */
    size_t n_library_ids;
    AuthMethod method;
} Principal;

/* Fills *ret from the users row of `user_id` and its user_libraries (method left as
 * AUTH_METHOD_TOKEN; the caller sets it). Returns 0, ERR_AUTH (no such user, or disabled)
 * or ERR_DB. */
int auth_principal_load(DbConn *conn, const char *user_id, Principal *ret);

/* Signed-in users kept between requests: the Principal of a user id as loaded while the
 * users generation (DB_GENERATION_USERS, db_generation_get()) had one value, used while it
 * keeps it. Every change to a user's row or libraries moves it, in any process. At most
 * AUTH_PRINCIPALS_SLOTS users are kept (a user id has one slot; a newcomer takes it over).
 * Any thread: one mutex. */
typedef struct AuthPrincipals AuthPrincipals;

/* Slots of the table (a power of two). */
#define AUTH_PRINCIPALS_SLOTS 1024

/* Returns an empty table, or NULL when out of memory. Free with auth_principals_free(). */
AuthPrincipals *auth_principals_new(void);

/* Frees the table. NULL is a no-op. */
void auth_principals_free(AuthPrincipals *table);

/* As auth_principal_load() on `conn` (a connection of `db` the caller holds, or NULL to borrow
 * one only when needed), from the table when it holds the user under the current users
 * generation. */
int auth_principals_load(AuthPrincipals *table, Db *db, DbConn *conn, const char *user_id,
                         Principal *ret);

/* As auth_principals_load() when the table holds the user under a users generation known
 * without reading the database (db_generation_peek()); never blocks on the database. Returns 0
 * or -EAGAIN (ask auth_principals_load()). */
int auth_principals_peek(AuthPrincipals *table, Db *db, const char *user_id, Principal *ret);

/* Writes the id of the user named `username` to ret_user_id. Returns 0, -ENOENT or ERR_DB. */
int auth_principal_find(DbConn *conn, const char *username,
                        char ret_user_id[AUTH_PRINCIPAL_ID_BYTES + 1]);

/* Checks `password` for the user named `username` or, when `username` is NULL, the user
 * `user_id`, taking the time of one Argon2id verification whether or not the user exists
 * (`dummy_hash` is verified for an unknown one). On success writes the user id to
 * ret_user_id and, for a sign-in by name, records last_login_at. Returns 0, ERR_AUTH
 * (unknown user, wrong password or disabled account: indistinguishable) or ERR_DB. */
int auth_principal_authenticate(DbConn *conn, const char *username, const char *user_id,
                                const char *password, const char *dummy_hash,
                                char ret_user_id[AUTH_PRINCIPAL_ID_BYTES + 1]);

/* True if the principal may see library `library_id`. */
bool auth_principal_sees(const Principal *p, int64_t library_id);

#endif
