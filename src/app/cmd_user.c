/*
 * cmd_user.c - `swaz user add|list|passwd|delete`. A password is read from standard input
 * with --password-stdin, otherwise generated and printed once.
 */
#include "app/cmd_user.h"

#include "app/app.h"
#include "auth/auth_password.h"
#include "auth/auth_user.h"
#include "core/err.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char cmd_user_usage[] =
    "usage: swaz user add NAME [--admin] [--password-stdin]\n"
    "       swaz user list\n"
    "       swaz user passwd NAME [--password-stdin]\n"
    "       swaz user delete NAME\n"
    "Without --password-stdin a password is generated and printed once.";

enum { USER_SW_ADMIN, USER_SW_STDIN };
static const char *const cmd_user_switches[] = {"admin", "password-stdin", NULL};

/* Reads the password (first line of stdin) or generates one. Returns 0, or -EINVAL. */
static int user_password(bool from_stdin, char *out, size_t size, bool *ret_generated)
{
    if (!from_stdin) {
        auth_password_generate(out);
        *ret_generated = true;
        return 0;
    }
    if (!fgets(out, (int)size, stdin))
        return -EINVAL;
    out[strcspn(out, "\r\n")] = '\0';
    *ret_generated = false;
    return 0;
}

static int user_print(void *ctx, const AuthUser *u)
{
    (void)ctx;
    char when[32];
    struct tm tm;
    time_t t = (time_t)u->created_at;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d", &tm);
    printf("%-24s %-6s %s\n", u->username, u->is_admin ? "admin" : "user", when);
    return 0;
}

static void user_error(const char *what, const char *name, int r)
{
    const char *why = r == ERR_CONFLICT ? "already exists"
                      : r == -ENOENT    ? "no such user"
                      : r == -EINVAL    ? "invalid name or password (passwords need at least 8 "
                                          "characters; names use A-Z a-z 0-9 . _ @ -)"
                                        : err_str(r);
    fprintf(stderr, "swaz user %s %s: %s\n", what, name, why);
}

int cmd_user(int argc, char **argv, char **envp)
{
    Config cfg;
    ConfigArgs args;
    int r = app_config(&cfg, argc, argv, envp, cmd_user_switches, cmd_user_usage, &args);
    if (r != 0)
        return r > 0 ? APP_EXIT_OK : APP_EXIT_USAGE;
    const char *verb = args.n_positional ? args.positional[0] : "";
    const char *name = args.n_positional > 1 ? args.positional[1] : NULL;
    bool needs_name = strcmp(verb, "list") != 0;
    if ((strcmp(verb, "add") && strcmp(verb, "list") && strcmp(verb, "passwd") &&
         strcmp(verb, "delete")) ||
        (needs_name && (!name || args.n_positional != 2)) ||
        (!needs_name && args.n_positional != 1)) {
        fprintf(stderr, "%s\n", cmd_user_usage);
        return APP_EXIT_USAGE;
    }
    if (auth_init() < 0)
        return APP_EXIT_FAIL;
    Db *db;
    if (app_db_open(&cfg, &db, NULL) < 0)
        return APP_EXIT_FAIL;
    DbConn *conn;
    if ((r = db_acquire(db, &conn)) < 0) {
        fprintf(stderr, "swaz user: %s\n", err_str(r));
        db_close(db);
        return APP_EXIT_FAIL;
    }

    char password[LIMIT_PASSWORD_BYTES + 2];
    bool generated = false;
    int code = APP_EXIT_OK;
    if (strcmp(verb, "list") == 0) {
        r = auth_user_list(conn, user_print, NULL);
    } else if (strcmp(verb, "delete") == 0) {
        r = auth_user_delete(conn, name);
        if (r == 0)
            printf("deleted user %s\n", name);
    } else {
        r = user_password(args.switches[USER_SW_STDIN], password, sizeof(password), &generated);
        if (r == 0 && strcmp(verb, "add") == 0)
            r = auth_user_add(conn, name, password, args.switches[USER_SW_ADMIN]);
        else if (r == 0)
            r = auth_user_set_password(conn, name, password);
        if (r == 0) {
            printf("%s user %s%s\n", strcmp(verb, "add") == 0 ? "created" : "updated", name,
                   args.switches[USER_SW_ADMIN] ? " (admin)" : "");
            if (generated)
                printf("password: %s\n", password);
        }
        sodium_memzero(password, sizeof(password));
    }
    if (r < 0) {
        user_error(verb, name ? name : "", r);
        code = r == ERR_CONFLICT || r == -ENOENT || r == -EINVAL ? APP_EXIT_USAGE : APP_EXIT_FAIL;
    }
    db_release(conn);
    db_close(db);
    return code;
}
