/* subsonic_playlists.c - getPlaylists, getPlaylist, createPlaylist, updatePlaylist,
 * deletePlaylist. */
#include "api/subsonic/subsonic_playlists.h"

#include "api/subsonic/subsonic_items.h"
#include "core/limits.h"
#include "library/library_playlist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The playlists one getPlaylists answer lists at most (pages of LIMIT_PAGE_MAX). */
#define SUBSONIC_PLAYLISTS_PAGES (LIMIT_SUBSONIC_PLAYLISTS / LIMIT_PAGE_MAX)

void subsonic_playlists_who(const Principal *p, PlaylistUser *who)
{
    who->id = p->user_id;
    who->all_libraries = p->all_libraries;
    who->library_ids = p->library_ids;
    who->n_library_ids = p->n_library_ids;
}

/* The Playlist fields of `p` under the item or child `node`; coverArt is "pl-" and the id
 * (getCoverArt answers the playlist's cover for it). */
static void subsonic_playlists_fields(Arena *arena, SubsonicNode *node, const Playlist *p)
{
    subsonic_str(node, "id", p->id);
    subsonic_str(node, "name", p->name);
    subsonic_str(node, "coverArt",
                 arena_printf(arena, "%s%s", SUBSONIC_PLAYLISTS_COVER_PREFIX, p->id));
    if (p->comment && *p->comment)
        subsonic_str(node, "comment", p->comment);
    subsonic_str(node, "owner", p->owner_name);
    subsonic_bool(node, "public", p->is_public);
    subsonic_int(node, "songCount", p->song_count);
    subsonic_int(node, "duration", p->duration_ms / 1000);
    subsonic_time(node, "created", p->created_at);
    subsonic_time(node, "changed", p->updated_at);
    subsonic_bool(subsonic_ext(node), "readonly", p->access != PLAYLIST_ACCESS_OWN);
}

/* Maps the library's errors to Subsonic answers with a message a user can act on. */
static int subsonic_playlists_error(SubsonicCall *call, int r)
{
    if (r == -EINVAL)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "Invalid value: a name is 1..256 bytes without control characters, "
                             "a comment at most 4096 bytes, indexes within the playlist");
    if (r == ERR_LIMIT)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "A playlist holds at most 10000 songs; nothing was changed");
    if (r == -ENOENT)
        return subsonic_fail(call, SUBSONIC_ERR_NOT_FOUND, "Playlist or song not found");
    return r;
}

int subsonic_playlists_list(SubsonicCall *call)
{
    PlaylistUser who;
    Principal other;
    const Principal *p = call->user;
    const char *username = subsonic_param(call, "username");
    if (username && strcmp(username, p->username) != 0) {
        if (!p->is_admin)
            return subsonic_fail(call, SUBSONIC_ERR_UNAUTHORIZED,
                                 "Only an administrator may list another user's playlists");
        char id[AUTH_PRINCIPAL_ID_BYTES + 1];
        int r = auth_principal_find(call->conn, username, id);
        if (r == 0)
            r = auth_principal_load(call->conn, id, &other);
        if (r == -ENOENT || r == ERR_AUTH)
            return subsonic_fail(call, SUBSONIC_ERR_NOT_FOUND, "User not found");
        if (r < 0)
            return r;
        p = &other;
    }
    subsonic_playlists_who(p, &who);
    SubsonicNode *list = subsonic_child(call->root, "playlists");
    subsonic_list(list, "playlist");
    const char *cursor = NULL;
    for (int page = 0; page < SUBSONIC_PLAYLISTS_PAGES; page++) {
        Playlist *items;
        size_t n;
        int r = library_playlist_list(call->conn, call->req->arena, &who, cursor, LIMIT_PAGE_MAX,
                                      &items, &n, &cursor);
        if (r < 0)
            return r;
        for (size_t i = 0; i < n; i++)
            subsonic_playlists_fields(call->req->arena, subsonic_item(list, "playlist"), &items[i]);
        if (!cursor)
            break;
    }
    return 0;
}

/* Answers playlist `id` with its songs as the child "playlist". */
static int subsonic_playlists_answer(SubsonicCall *call, const PlaylistUser *who, const char *id)
{
    Playlist pl;
    int r = library_playlist_get(call->conn, call->req->arena, id, who, &pl);
    if (r < 0)
        return subsonic_playlists_error(call, r);
    SubsonicNode *node = subsonic_child(call->root, "playlist");
    subsonic_playlists_fields(call->req->arena, node, &pl);
    subsonic_list(node, "entry");
    int64_t after = -1;
    bool more = true;
    while (more) {
        PlaylistEntry *entries;
        size_t n;
        r = library_playlist_entries(call->conn, call->req->arena, id, after, LIMIT_PAGE_MAX,
                                     &entries, &n, &more);
        if (r < 0)
            return r;
        if (n == 0)
            break;
        const char **ids = arena_alloc(call->req->arena, n * sizeof(*ids));
        if (!ids)
            return -ENOMEM;
        for (size_t i = 0; i < n; i++)
            ids[i] = entries[i].song_id;
        if ((r = subsonic_items_song_ids(call, node, "entry", ids, n)) < 0)
            return r;
        after = entries[n - 1].position;
    }
    return 0;
}

int subsonic_playlists_get(SubsonicCall *call)
{
    PlaylistUser who;
    const char *id;
    int r = subsonic_param_required(call, "id", &id);
    if (r < 0)
        return r;
    subsonic_playlists_who(call->user, &who);
    return subsonic_playlists_answer(call, &who, id);
}

/* Collects every value of `key` (at most LIMIT_PLAYLIST_ENTRIES) into an Arena-owned array. */
static int subsonic_playlists_values(SubsonicCall *call, const char *key, const char ***ret_values,
                                     size_t *ret_count)
{
    size_t n = subsonic_params_all(&call->params, key, NULL, 0);
    if (n > LIMIT_PLAYLIST_ENTRIES)
        return subsonic_playlists_error(call, ERR_LIMIT);
    const char **v = arena_alloc(call->req->arena, (n ? n : 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    subsonic_params_all(&call->params, key, v, n);
    *ret_values = v;
    *ret_count = n;
    return 0;
}

/* Replaces the songs of playlist `id` with `songs`: the new ones are appended first (one
 * transaction that checks every song), then the old ones removed, so a bad song id changes
 * nothing. */
static int subsonic_playlists_replace(SubsonicCall *call, const PlaylistUser *who, const char *id,
                                      const char *const *songs, size_t n)
{
    Arena *a = call->req->arena;
    Playlist pl;
    int r = library_playlist_get(call->conn, a, id, who, &pl);
    if (r < 0)
        return r;
    if (pl.access == PLAYLIST_ACCESS_READ)
        return ERR_FORBIDDEN;
    if (n > 0 && (r = library_playlist_add(call->conn, a, id, who, songs, n, -1)) < 0)
        return r;
    if (pl.song_count == 0)
        return 0;
    int64_t *old = arena_alloc(a, (size_t)pl.song_count * sizeof(*old));
    if (!old)
        return -ENOMEM;
    for (int64_t i = 0; i < pl.song_count; i++)
        old[i] = i;
    return library_playlist_remove(call->conn, a, id, who, old, (size_t)pl.song_count);
}

int subsonic_playlists_create(SubsonicCall *call)
{
    PlaylistUser who;
    const char **songs = NULL;
    size_t n = 0;
    const char *id = subsonic_param(call, "playlistId");
    const char *name = subsonic_param(call, "name");
    int r = subsonic_playlists_values(call, "songId", &songs, &n);
    if (r < 0)
        return r;
    subsonic_playlists_who(call->user, &who);
    if (id && *id) {
        /* The name is checked first and written last, so a bad song renames nothing. */
        PlaylistChanges ch = {.name = name && *name ? name : NULL};
        if (ch.name && !library_playlist_name_valid(ch.name))
            return subsonic_playlists_error(call, -EINVAL);
        r = subsonic_playlists_replace(call, &who, id, songs, n);
        if (r == 0 && ch.name)
            r = library_playlist_update(call->conn, id, &who, &ch);
    } else {
        if (!name || !*name)
            return subsonic_fail(call, SUBSONIC_ERR_MISSING,
                                 "Required parameter is missing: name or playlistId");
        r = library_playlist_create(call->conn, call->req->arena, &who, name, "", false, songs, n,
                                    &id);
    }
    if (r < 0)
        return subsonic_playlists_error(call, r);
    return subsonic_playlists_answer(call, &who, id);
}

int subsonic_playlists_update(SubsonicCall *call)
{
    PlaylistUser who;
    const char *id;
    const char **add = NULL, **remove = NULL;
    size_t n_add = 0, n_remove = 0;
    bool is_public;
    int r;
    if ((r = subsonic_param_required(call, "playlistId", &id)) < 0 ||
        (r = subsonic_playlists_values(call, "songIdToAdd", &add, &n_add)) < 0 ||
        (r = subsonic_playlists_values(call, "songIndexToRemove", &remove, &n_remove)) < 0 ||
        (r = subsonic_param_bool(call, "public", false, &is_public)) < 0)
        return r;
    int64_t *positions = arena_alloc(call->req->arena, (n_remove ? n_remove : 1) * sizeof(int64_t));
    if (!positions)
        return -ENOMEM;
    for (size_t i = 0; i < n_remove; i++) {
        char *end;
        errno = 0;
        long long v = strtoll(remove[i], &end, 10);
        if (errno || end == remove[i] || *end || v < 0 || v >= LIMIT_PLAYLIST_ENTRIES)
            return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                                 "songIndexToRemove must be an index within the playlist");
        positions[i] = v;
    }
    subsonic_playlists_who(call->user, &who);
    PlaylistChanges ch = {
        .name = subsonic_param(call, "name"),
        .comment = subsonic_param(call, "comment"),
        .is_public = subsonic_param(call, "public") ? &is_public : NULL,
    };
    bool meta = ch.name || ch.comment || ch.is_public;
    /* Everything is checked before the first write, and the songs are appended (one
     * transaction that checks every song, leaving the old positions as they are) before the
     * old entries are removed: a bad value changes nothing. */
    Playlist pl;
    if ((r = library_playlist_get(call->conn, call->req->arena, id, &who, &pl)) < 0)
        return subsonic_playlists_error(call, r);
    if ((meta && pl.access != PLAYLIST_ACCESS_OWN) ||
        ((n_add || n_remove) && pl.access == PLAYLIST_ACCESS_READ))
        return subsonic_playlists_error(call, ERR_FORBIDDEN);
    if ((ch.name && !library_playlist_name_valid(ch.name)) ||
        (ch.comment && strlen(ch.comment) > LIMIT_PLAYLIST_COMMENT_BYTES))
        return subsonic_playlists_error(call, -EINVAL);
    for (size_t i = 0; i < n_remove; i++) {
        if (positions[i] >= pl.song_count)
            return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                                 "songIndexToRemove must be an index within the playlist");
    }
    if (n_add > 0 &&
        (r = library_playlist_add(call->conn, call->req->arena, id, &who, add, n_add, -1)) < 0)
        return subsonic_playlists_error(call, r);
    if (n_remove > 0 && (r = library_playlist_remove(call->conn, call->req->arena, id, &who,
                                                     positions, n_remove)) < 0)
        return subsonic_playlists_error(call, r);
    if (meta && (r = library_playlist_update(call->conn, id, &who, &ch)) < 0)
        return subsonic_playlists_error(call, r);
    return 0;
}

int subsonic_playlists_delete(SubsonicCall *call)
{
    PlaylistUser who;
    const char *id;
    int r = subsonic_param_required(call, "id", &id);
    if (r < 0)
        return r;
    subsonic_playlists_who(call->user, &who);
    r = library_playlist_destroy(call->conn, call->req->arena, call->ctx->data_dir, id, &who);
    return r < 0 ? subsonic_playlists_error(call, r) : 0;
}
