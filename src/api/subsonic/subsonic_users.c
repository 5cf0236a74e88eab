/* subsonic_users.c - getUser, getUsers, createUser, updateUser, deleteUser, changePassword. */
#include "api/subsonic/subsonic_users.h"

#include "auth/auth_subsonic.h"
#include "auth/auth_user.h"
#include "core/limits.h"
#include "library/library_browse.h"

#include <errno.h>
#include <string.h>

/* getUsers' walk over the accounts: where to add them, and every library for those who
 * see them all. */
typedef struct SubsonicUsersList {
    SubsonicCall *call;
    SubsonicNode *list;
    const Folder *roots;
    size_t n_roots;
} SubsonicUsersList;

static int subsonic_users_roots(SubsonicCall *call, Folder **ret_roots, size_t *ret_count)
{
    return library_browse_roots(call->conn, call->req->arena, ret_roots, ret_count);
}

/* One user element (an item of `list`, or the child "user" of the root when list is NULL). */
static void subsonic_users_write(SubsonicCall *call, SubsonicNode *list, const AuthUser *u,
                                 const Folder *roots, size_t n_roots)
{
    SubsonicNode *n = list ? subsonic_item(list, "user") : subsonic_child(call->root, "user");
    /* The AuthUser is on the caller's stack: the document keeps arena copies. */
    subsonic_str(n, "username", arena_strdup(call->req->arena, u->username));
    subsonic_str(n, "email", arena_strdup(call->req->arena, u->email));
    subsonic_bool(n, "scrobblingEnabled", true);
    if (u->max_bitrate > 0)
        subsonic_int(n, "maxBitRate", u->max_bitrate);
    subsonic_bool(n, "adminRole", u->is_admin);
    subsonic_bool(n, "settingsRole", true);
    subsonic_bool(n, "downloadRole", u->may_download);
    subsonic_bool(n, "uploadRole", u->may_upload);
    subsonic_bool(n, "playlistRole", true);
    subsonic_bool(n, "coverArtRole", true);
    subsonic_bool(n, "commentRole", true);
    subsonic_bool(n, "podcastRole", false);
    subsonic_bool(n, "streamRole", true);
    subsonic_bool(n, "jukeboxRole", false);
    subsonic_bool(n, "shareRole", u->may_share);
    subsonic_bool(n, "videoConversionRole", false);
    subsonic_list(n, "folder");
    if (u->all_libraries) {
        for (size_t i = 0; i < n_roots; i++)
            subsonic_text_int(subsonic_item(n, "folder"), roots[i].library_id);
    } else {
        for (size_t i = 0; i < u->n_library_ids; i++)
            subsonic_text_int(subsonic_item(n, "folder"), u->library_ids[i]);
    }
}

/* Maps account errors to Subsonic answers a client can show. */
static int subsonic_users_error(SubsonicCall *call, int r)
{
    switch (r) {
    case -ENOENT:
        return subsonic_fail(call, SUBSONIC_ERR_NOT_FOUND, "User not found");
    case -EINVAL:
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "Invalid value: usernames are 1..64 characters of A-Z a-z 0-9 . _ @ "
                             "-, passwords 8..1024 bytes, maxBitRate 0..100000, folders known "
                             "music folder ids");
    case ERR_CONFLICT:
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "This username is taken");
    case AUTH_USER_LAST_ADMIN:
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "The last enabled administrator cannot be removed or demoted");
    default:
        return r;
    }
}

/* Refuses (50) a non-administrator acting on another user. */
static int subsonic_users_self_or_admin(SubsonicCall *call, const char *username)
{
    if (call->user->is_admin || strcmp(username, call->user->username) == 0)
        return 0;
    return subsonic_fail(call, SUBSONIC_ERR_UNAUTHORIZED,
                         "Only an administrator may act on another user");
}

int subsonic_users_get(SubsonicCall *call)
{
    const char *username;
    AuthUser u;
    Folder *roots;
    size_t n_roots;
    int r;
    if ((r = subsonic_param_required(call, "username", &username)) < 0 ||
        (r = subsonic_users_self_or_admin(call, username)) < 0)
        return r;
    if ((r = auth_user_get_by_name(call->conn, username, &u)) < 0)
        return subsonic_users_error(call, r);
    if ((r = subsonic_users_roots(call, &roots, &n_roots)) < 0)
        return r;
    subsonic_users_write(call, NULL, &u, roots, n_roots);
    return 0;
}

static int subsonic_users_list_one(void *ctx, const AuthUser *user)
{
    SubsonicUsersList *l = ctx;
    AuthUser full;
    /* The list callback leaves out library ids; read them for restricted users. */
    if (!user->all_libraries) {
        int r = auth_user_get(l->call->conn, user->id, &full);
        if (r < 0)
            return r;
        user = &full;
    }
    subsonic_users_write(l->call, l->list, user, l->roots, l->n_roots);
    return 0;
}

int subsonic_users_list(SubsonicCall *call)
{
    Folder *roots;
    size_t n_roots;
    int r = subsonic_users_roots(call, &roots, &n_roots);
    if (r < 0)
        return r;
    SubsonicUsersList l = {.call = call, .roots = roots, .n_roots = n_roots};
    l.list = subsonic_child(call->root, "users");
    subsonic_list(l.list, "user");
    return auth_user_list(call->conn, subsonic_users_list_one, &l);
}

/* Reads an optional boolean role into *ret (-1 when absent). */
static int subsonic_users_flag(SubsonicCall *call, const char *name, int *ret)
{
    bool v;
    if (!subsonic_param(call, name)) {
        *ret = -1;
        return 0;
    }
    int r = subsonic_param_bool(call, name, false, &v);
    if (r < 0)
        return r;
    *ret = v;
    return 0;
}

/* Fills `c` from the parameters (email, roles, maxBitRate, musicFolderId, password) into
 * `ids` and `password` (caller's buffers). */
static int subsonic_users_change(SubsonicCall *call, AuthUserChange *c,
                                 int64_t ids[LIMIT_MUSIC_DIRS],
                                 char password[LIMIT_PASSWORD_BYTES + 1])
{
    int r;
    auth_user_change_init(c);
    c->email = subsonic_param(call, "email");
    if ((r = subsonic_users_flag(call, "adminRole", &c->is_admin)) < 0 ||
        (r = subsonic_users_flag(call, "downloadRole", &c->may_download)) < 0 ||
        (r = subsonic_users_flag(call, "uploadRole", &c->may_upload)) < 0 ||
        (r = subsonic_users_flag(call, "shareRole", &c->may_share)) < 0 ||
        (r = subsonic_param_int(call, "maxBitRate", -1, 0, AUTH_USER_BITRATE_MAX,
                                &c->max_bitrate)) < 0)
        return r;
    const char *p = subsonic_param(call, "password");
    if (p) {
        if (auth_subsonic_decode_password(p, password, LIMIT_PASSWORD_BYTES + 1) < 0)
            return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                                 "password must be text or enc: followed by hex, at most "
                                 "1024 bytes");
        c->password = password;
    }
    const char *folders[LIMIT_MUSIC_DIRS];
    size_t n = subsonic_params_all(&call->params, "musicFolderId", folders, LIMIT_MUSIC_DIRS);
    if (n > LIMIT_MUSIC_DIRS)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Too many musicFolderId values");
    for (size_t i = 0; i < n; i++) {
        SubsonicParams one = {.items = &(HttpParam){.key = "f", .value = folders[i]}, .count = 1};
        if (subsonic_params_int(&one, "f", 0, 0, INT32_MAX, &ids[i]) < 0)
            return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                                 "musicFolderId must be a music folder id");
    }
    if (n > 0) {
        c->all_libraries = 0;
        c->set_libraries = true;
        c->library_ids = ids;
        c->n_library_ids = n;
    }
    return 0;
}

/* createUser (`create`) or updateUser: the same parameters, one password buffer wiped after. */
static int subsonic_users_save(SubsonicCall *call, bool create)
{
    const char *username, *unused;
    AuthUserChange c;
    AuthUser u;
    int64_t ids[LIMIT_MUSIC_DIRS];
    char password[LIMIT_PASSWORD_BYTES + 1];
    char id[AUTH_USER_ID_LEN + 1];
    int r;
    if ((r = subsonic_param_required(call, "username", &username)) < 0 ||
        (create && (r = subsonic_param_required(call, "password", &unused)) < 0) ||
        (r = subsonic_users_change(call, &c, ids, password)) < 0)
        goto out_wipe;
    if (create)
        r = auth_user_create(call->conn, username, c.password, c.is_admin == 1, &c, id);
    else if ((r = auth_user_get_by_name(call->conn, username, &u)) == 0)
        r = auth_user_update(call->conn, u.id, &c);
    if (r < 0)
        r = subsonic_users_error(call, r);
out_wipe:
    explicit_bzero(password, sizeof(password));
    return r;
}

int subsonic_users_create(SubsonicCall *call)
{
    return subsonic_users_save(call, true);
}

int subsonic_users_update(SubsonicCall *call)
{
    return subsonic_users_save(call, false);
}

int subsonic_users_delete(SubsonicCall *call)
{
    const char *username;
    AuthUser u;
    int r = subsonic_param_required(call, "username", &username);
    if (r < 0)
        return r;
    if ((r = auth_user_get_by_name(call->conn, username, &u)) == 0)
        r = auth_user_delete_id(call->conn, u.id);
    return r < 0 ? subsonic_users_error(call, r) : 0;
}

int subsonic_users_password(SubsonicCall *call)
{
    const char *username, *p;
    char password[LIMIT_PASSWORD_BYTES + 1];
    int r;
    if ((r = subsonic_param_required(call, "username", &username)) < 0 ||
        (r = subsonic_param_required(call, "password", &p)) < 0 ||
        (r = subsonic_users_self_or_admin(call, username)) < 0)
        return r;
    if (auth_subsonic_decode_password(p, password, sizeof(password)) < 0)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "password must be text or enc: followed by hex, at most 1024 bytes");
    r = auth_user_set_password(call->conn, username, password);
    explicit_bzero(password, sizeof(password));
    return r < 0 ? subsonic_users_error(call, r) : 0;
}
