/* subsonic_shares.c - getShares, createShare, updateShare, deleteShare. */
#include "api/subsonic/subsonic_shares.h"

#include "api/subsonic/subsonic_items.h"
#include "core/limits.h"
#include "library/library_share.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* Latest expiry we accept, in ms since the epoch (year 9999). */
#define SUBSONIC_SHARES_EXPIRES_MAX INT64_C(253402300799000)

/* The public link of share `id`: absolute on the Host the client used when that header is
 * a plain host[:port], else relative. Arena-owned. */
static const char *subsonic_shares_url(SubsonicCall *call, const char *id)
{
    const char *host = http_request_header(call->req, "Host");
    const char *proto = http_request_header(call->req, "X-Forwarded-Proto");
    bool plain =
        host && *host && strlen(host) <= LIMIT_SUBSONIC_HOST_BYTES &&
        strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-:[]") ==
            strlen(host);
    if (!plain)
        return arena_printf(call->req->arena, "/s/%s", id);
    return arena_printf(call->req->arena, "%s://%s/s/%s",
                        proto && strcmp(proto, "https") == 0 ? "https" : "http", host, id);
}

/* One share element with its songs (those the caller can still see). */
static int subsonic_shares_write(SubsonicCall *call, SubsonicNode *list, const LibraryShare *s)
{
    SubsonicNode *n = subsonic_item(list, "share");
    subsonic_str(n, "id", s->id);
    subsonic_str(n, "url", subsonic_shares_url(call, s->id));
    if (s->description && *s->description)
        subsonic_str(n, "description", s->description);
    subsonic_str(n, "username", call->user->username);
    subsonic_time(n, "created", s->created_at);
    subsonic_time(n, "expires", s->expires_at);
    subsonic_time(n, "lastVisited", s->last_visited_at);
    subsonic_int(n, "visitCount", s->visit_count);
    subsonic_list(n, "entry");
    LibraryShareItem item;
    int r = library_share_item(call->conn, call->req->arena, s->kind, s->item_id,
                               call->user->user_id, &item);
    if (r == -ENOENT)
        return 0; /* the object is gone: the share shows nothing */
    if (r < 0)
        return r;
    size_t k = 0;
    for (size_t i = 0; i < item.n_songs; i++) {
        if (auth_principal_sees(call->user, item.songs[i].library_id))
            item.songs[k++] = item.songs[i];
    }
    return subsonic_items_songs(call, n, "entry", item.songs, k, NULL);
}

int subsonic_shares_list(SubsonicCall *call)
{
    LibraryShare *items;
    size_t n;
    int r = library_share_list(call->conn, call->req->arena, call->user->user_id, &items, &n);
    if (r < 0)
        return r;
    SubsonicNode *list = subsonic_child(call->root, "shares");
    subsonic_list(list, "share");
    for (size_t i = 0; i < n && r == 0; i++)
        r = subsonic_shares_write(call, list, &items[i]);
    return r;
}

/* Reads expires= (ms since the epoch; 0 never) into seconds. *ret_set is false if absent. */
static int subsonic_shares_expires(SubsonicCall *call, int64_t now, bool *ret_set,
                                   int64_t *ret_expires_at)
{
    int64_t ms;
    int r = subsonic_param_int(call, "expires", 0, 0, SUBSONIC_SHARES_EXPIRES_MAX, &ms);
    if (r < 0)
        return r;
    if (ms != 0 && ms / 1000 <= now)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "expires must be a future time in milliseconds since 1970, or 0");
    *ret_set = subsonic_param(call, "expires") != NULL;
    *ret_expires_at = ms / 1000;
    return 0;
}

static int subsonic_shares_description(SubsonicCall *call, const char **ret_description)
{
    const char *d = subsonic_param(call, "description");
    if (d && strlen(d) > LIMIT_SHARE_DESCRIPTION_BYTES)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "A share description holds at most 1024 bytes");
    *ret_description = d;
    return 0;
}

/* Finds what `id` names among the songs, albums and playlists the caller may read: their ids
 * do not collide, so the first kind that knows it. Returns 0, -ENOENT or ERR_DB. */
static int subsonic_shares_resolve(SubsonicCall *call, const char *id, LibraryShareKind *ret_kind,
                                   LibraryShareItem *ret_item)
{
    static const LibraryShareKind kinds[] = {LIBRARY_SHARE_SONG, LIBRARY_SHARE_ALBUM,
                                             LIBRARY_SHARE_PLAYLIST};
    int r = -ENOENT;
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && r == -ENOENT; k++) {
        r = library_share_item(call->conn, call->req->arena, kinds[k], id, call->user->user_id,
                               ret_item);
        if (r == 0)
            *ret_kind = kinds[k];
    }
    return r;
}

/* The item of a share of several ids: the songs they name that the caller sees, in order
 * (an album's or playlist's as they are now), as a "songs" share. Returns 0, -ENOENT (an
 * unknown id, or no song to show), SUBSONIC_FAILED (past LIMIT_SHARE_SONGS) or ERR_DB. */
static int subsonic_shares_songs(SubsonicCall *call, const char *const *ids, size_t n_ids,
                                 const char **ret_item_id)
{
    const char **songs = arena_alloc(call->req->arena, LIMIT_SHARE_SONGS * sizeof(*songs));
    if (!songs)
        return -ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < n_ids; i++) {
        LibraryShareKind kind;
        LibraryShareItem item;
        int r = subsonic_shares_resolve(call, ids[i], &kind, &item);
        if (r < 0)
            return r;
        for (size_t j = 0; j < item.n_songs; j++) {
            if (!auth_principal_sees(call->user, item.songs[j].library_id))
                continue;
            if (n == LIMIT_SHARE_SONGS)
                return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                                     "A share holds at most 5000 songs; share fewer ids");
            songs[n++] = item.songs[j].id;
        }
    }
    if (n == 0)
        return -ENOENT;
    return library_share_songs_id(call->req->arena, songs, n, ret_item_id);
}

int subsonic_shares_create(SubsonicCall *call)
{
    const char *id = NULL, *description = NULL;
    int64_t now = (int64_t)time(NULL), expires_at = 0;
    bool set;
    int r;
    if ((r = subsonic_param_required(call, "id", &id)) < 0 ||
        (r = subsonic_shares_description(call, &description)) < 0 ||
        (r = subsonic_shares_expires(call, now, &set, &expires_at)) < 0)
        return r;
    if (!call->user->may_share)
        return subsonic_fail(call, SUBSONIC_ERR_UNAUTHORIZED, "This account may not share");
    /* at most LIMIT_SUBSONIC_PARAMS, as every parameter */
    size_t n_ids = subsonic_params_all(&call->params, "id", NULL, 0);
    LibraryShareKind kind = LIBRARY_SHARE_SONGS;
    const char *item_id = id;
    if (n_ids > 1) {
        const char **ids = arena_alloc(call->req->arena, n_ids * sizeof(*ids));
        if (!ids)
            return -ENOMEM;
        subsonic_params_all(&call->params, "id", ids, n_ids);
        if ((r = subsonic_shares_songs(call, ids, n_ids, &item_id)) < 0)
            return r;
    } else {
        LibraryShareItem item;
        if ((r = subsonic_shares_resolve(call, id, &kind, &item)) < 0)
            return r;
        size_t visible = 0;
        for (size_t i = 0; i < item.n_songs; i++)
            visible += auth_principal_sees(call->user, item.songs[i].library_id);
        if (visible == 0)
            return -ENOENT;
    }
    LibraryShare share;
    r = library_share_create(call->conn, call->req->arena, call->user->user_id, kind, item_id,
                             description ? description : "", expires_at, false, now, &share);
    if (r == ERR_LIMIT)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "Too many shares (at most 1000); delete some first");
    if (r < 0)
        return r;
    SubsonicNode *list = subsonic_child(call->root, "shares");
    return subsonic_shares_write(call, list, &share);
}

int subsonic_shares_update(SubsonicCall *call)
{
    const char *id = NULL, *description = NULL;
    LibraryShareUpdate u = {0};
    int r;
    if ((r = subsonic_param_required(call, "id", &id)) < 0 ||
        (r = subsonic_shares_description(call, &description)) < 0 ||
        (r = subsonic_shares_expires(call, (int64_t)time(NULL), &u.set_expires_at, &u.expires_at)) <
            0)
        return r;
    u.set_description = description != NULL;
    u.description = description;
    return library_share_update(call->conn, call->user->user_id, id, &u);
}

int subsonic_shares_delete(SubsonicCall *call)
{
    const char *id;
    int r = subsonic_param_required(call, "id", &id);
    if (r < 0)
        return r;
    return library_share_delete(call->conn, call->user->user_id, id);
}
