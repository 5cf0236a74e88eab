/*
 * auth_user.h - accounts: create, list, change password, delete.
 *
 * Usernames are 1..LIMIT_USERNAME_BYTES characters of [A-Za-z0-9._@-]; user ids are
 * random opaque strings. Each call takes a borrowed DbConn and runs on the caller's thread.
 */
#ifndef SWAZ_AUTH_USER_H
#define SWAZ_AUTH_USER_H

#include "core/limits.h"
#include "db/db.h"

#include <stdbool.h>
#include <stdint.h>

#define AUTH_USER_ID_LEN 24

typedef struct AuthUser {
    char id[AUTH_USER_ID_LEN + 1];
    char username[LIMIT_USERNAME_BYTES + 1];
    bool is_admin;
    int64_t created_at;
} AuthUser;

/* True if `name` is an acceptable username. */
bool auth_user_name_valid(const char *name);

/* Creates a user. Returns 0, -EINVAL (bad name or password), ERR_CONFLICT (name taken) or
 * ERR_DB. */
int auth_user_add(DbConn *conn, const char *username, const char *password, bool is_admin);

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
