/*
 * auth_user.h - accounts: create, list, read, change (rights, settings, libraries,
 * password), delete.
 *
 * Usernames are 1..LIMIT_USERNAME_BYTES characters of [A-Za-z0-9._@-]; user ids are
 * random opaque strings. The last enabled administrator can be neither demoted, disabled
 * nor deleted. A new password or disabling an account revokes its refresh tokens. Each call
 * takes a borrowed DbConn and runs on the caller's thread.
 */
#ifndef SWAZ_AUTH_USER_H
#define SWAZ_AUTH_USER_H

#include "core/limits.h"
#include "db/db.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#define AUTH_USER_ID_LEN 24

/* auth_user_update() and friends: the last enabled administrator would be lost. */
#define AUTH_USER_LAST_ADMIN (-EBUSY)

typedef struct AuthUser {
    char id[AUTH_USER_ID_LEN + 1];
    char username[LIMIT_USERNAME_BYTES + 1];
    bool is_admin;
    int64_t created_at;
    bool disabled;
    int64_t max_bitrate; /* kbps, 0: no limit */
    bool may_upload;
    bool may_share;
    bool may_download;
    bool all_libraries;
    bool has_app_password;
    char email[LIMIT_EMAIL_BYTES + 1];
    int64_t library_ids[LIMIT_MUSIC_DIRS]; /* auth_user_get() only; ascending */
    size_t n_library_ids;
} AuthUser;

/* A change to an account: every field says "unchanged" by default (auth_user_change_init). */
typedef struct AuthUserChange {
    const char *username; /* NULL: unchanged */
    const char *password; /* NULL: unchanged */
    const char *email;    /* NULL: unchanged; "" clears */
    int is_admin;         /* -1: unchanged, else 0 or 1; likewise the five below */
    int disabled;
    int may_upload;
    int may_share;
    int may_download;
    int all_libraries;
    int64_t max_bitrate;        /* -1: unchanged, else 0 (no limit)..AUTH_USER_BITRATE_MAX */
    bool set_libraries;         /* replace the user's library list with the one below */
    const int64_t *library_ids; /* existing library ids, at most LIMIT_MUSIC_DIRS */
    size_t n_library_ids;
} AuthUserChange;

#define AUTH_USER_BITRATE_MAX 100000 /* kbps */

/* Sets every field of `c` to "unchanged". */
void auth_user_change_init(AuthUserChange *c);

/* True if `email` is acceptable: "" or at most LIMIT_EMAIL_BYTES printable ASCII bytes with
 * one '@' that is neither first nor last. */
bool auth_user_email_valid(const char *email);

/* True if `name` is an acceptable username. */
bool auth_user_name_valid(const char *name);

/* Creates a user. Returns 0, -EINVAL (bad name or password), ERR_CONFLICT (name taken) or
 * ERR_DB. */
int auth_user_add(DbConn *conn, const char *username, const char *password, bool is_admin);

/* Creates a user with the settings of `c` (username and password come from the
 * arguments; c may be NULL) and writes its id. Returns 0, -EINVAL (bad name, password,
 * e-mail, bitrate or library id), ERR_CONFLICT (name taken) or ERR_DB. */
int auth_user_create(DbConn *conn, const char *username, const char *password, bool is_admin,
                     const AuthUserChange *c, char ret_id[AUTH_USER_ID_LEN + 1]);

/* Reads user `id` with its library list. Returns 0, -ENOENT or ERR_DB. */
int auth_user_get(DbConn *conn, const char *id, AuthUser *ret_user);

/* Reads the user named `username` with its library list. Returns 0, -ENOENT or ERR_DB. */
int auth_user_get_by_name(DbConn *conn, const char *username, AuthUser *ret_user);

/* Applies `c` to user `id` in one transaction. Returns 0, -EINVAL (a bad value),
 * -ENOENT, ERR_CONFLICT (name taken), AUTH_USER_LAST_ADMIN or ERR_DB. A new password or
 * disabling revokes the user's refresh tokens. */
int auth_user_update(DbConn *conn, const char *id, const AuthUserChange *c);

/* Deletes user `id` (and, by cascade, everything it owns). Returns 0, -ENOENT,
 * AUTH_USER_LAST_ADMIN or ERR_DB. */
int auth_user_delete_id(DbConn *conn, const char *id);

/* Calls `fn` for every user in username order; stops at fn's first non-zero return, which
 * it returns. Returns 0 or ERR_DB otherwise. */
int auth_user_list(DbConn *conn, int (*fn)(void *ctx, const AuthUser *user), void *ctx);

/* Sets a new password. Returns 0, -EINVAL (bad password), -ENOENT or ERR_DB. */
int auth_user_set_password(DbConn *conn, const char *username, const char *password);

/* Deletes a user. Returns 0, -ENOENT or ERR_DB. */
int auth_user_delete(DbConn *conn, const char *username);

/* Writes the number of users to *ret_count. Returns 0 or ERR_DB. */
int auth_user_count(DbConn *conn, int64_t *ret_count);

#endif
