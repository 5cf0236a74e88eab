/* subsonic_lists.c - album lists, random songs, songs by genre, now playing, starred. */
#include "api/subsonic/subsonic_lists.h"

#include "api/subsonic/subsonic_items.h"
#include "core/limits.h"
#include "library/library_annotate.h"
#include "library/library_browse.h"
#include "library/library_queue.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

static const struct {
    const char *name;
    LibraryAlbumList list;
} subsonic_list_types[] = {
    {"random", LIBRARY_ALBUMS_RANDOM},
    {"newest", LIBRARY_ALBUMS_NEWEST},
    {"highest", LIBRARY_ALBUMS_HIGHEST},
    {"frequent", LIBRARY_ALBUMS_FREQUENT},
    {"recent", LIBRARY_ALBUMS_RECENT},
    {"alphabeticalByName", LIBRARY_ALBUMS_ALPHA_NAME},
    {"alphabeticalByArtist", LIBRARY_ALBUMS_ALPHA_ARTIST},
    {"starred", LIBRARY_ALBUMS_STARRED},
    {"byYear", LIBRARY_ALBUMS_YEAR},
    {"byGenre", LIBRARY_ALBUMS_GENRE},
};

/* Reads type= and its own parameters into *q. Returns 0, 1 (a genre that does not exist:
 * the list is empty) or SUBSONIC_FAILED. */
static int subsonic_lists_query(SubsonicCall *call, AlbumQuery *q)
{
    const char *type;
    int r = subsonic_param_required(call, "type", &type);
    if (r < 0)
        return r;
    size_t i = 0, n = sizeof(subsonic_list_types) / sizeof(subsonic_list_types[0]);
    while (i < n && strcmp(subsonic_list_types[i].name, type) != 0)
        i++;
    if (i == n)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Unknown album list type");
    q->list = subsonic_list_types[i].list;
    q->user_id = call->user->user_id;
    if (q->list == LIBRARY_ALBUMS_YEAR) {
        const char *v;
        if ((r = subsonic_param_required(call, "fromYear", &v)) < 0 ||
            (r = subsonic_param_required(call, "toYear", &v)) < 0 ||
            (r = subsonic_param_int(call, "fromYear", 0, 0, 9999, &q->from)) < 0 ||
            (r = subsonic_param_int(call, "toYear", 0, 0, 9999, &q->to)) < 0)
            return r;
    }
    if (q->list == LIBRARY_ALBUMS_GENRE) {
        const char *genre;
        if ((r = subsonic_param_required(call, "genre", &genre)) < 0)
            return r;
        r = library_browse_genre_find(call->conn, call->req->arena, genre, &q->genre_id);
        if (r == -ENOENT)
            return 1;
        if (r < 0)
            return r;
    }
    return 0;
}

/* One album list: `size` albums from position `offset` (read from the list's index, see
 * library_browse_albums_at()). */
static int subsonic_lists_albums(SubsonicCall *call, const char *elem, bool id3)
{
    AlbumQuery q = {0};
    int64_t size, offset;
    SubsonicNode *list = subsonic_child(call->root, elem);
    subsonic_list(list, "album");
    int r = subsonic_lists_query(call, &q);
    if (r == 1)
        return 0;
    if (r < 0 || (r = subsonic_items_folder_scope(call, &q.scope)) < 0 ||
        (r = subsonic_param_int(call, "size", 10, 0, LIMIT_PAGE_MAX, &size)) < 0 ||
        (r = subsonic_param_int(call, "offset", 0, 0, INT64_MAX, &offset)) < 0)
        return r;
    if (size == 0)
        return 0;
    const char *next;
    Album *albums;
    size_t n;
    r = library_browse_albums_at(call->conn, call->req->arena, &q, offset, (int)size, &albums, &n,
                                 &next);
    if (r < 0)
        return r;
    return subsonic_items_albums(call, list, "album", albums, n, !id3, NULL);
}

int subsonic_lists_album_list(SubsonicCall *call)
{
    return subsonic_lists_albums(call, "albumList", false);
}

int subsonic_lists_album_list2(SubsonicCall *call)
{
    return subsonic_lists_albums(call, "albumList2", true);
}

/* Songs passing `f` as song items of `elem`. */
static int subsonic_lists_songs(SubsonicCall *call, const char *elem, SongFilter *f,
                                const char *size_param, int64_t offset)
{
    const LibraryScope *scope;
    int64_t size;
    SubsonicNode *list = subsonic_child(call->root, elem);
    subsonic_list(list, "song");
    int r = subsonic_items_folder_scope(call, &scope);
    if (r < 0 || (r = subsonic_param_int(call, size_param, 10, 0, LIMIT_PAGE_MAX, &size)) < 0)
        return r;
    const char *genre = subsonic_param(call, "genre");
    if (genre && *genre) {
        r = library_browse_genre_find(call->conn, call->req->arena, genre, &f->genre_id);
        if (r == -ENOENT)
            return 0;
        if (r < 0)
            return r;
    }
    if (size == 0)
        return 0;
    Song *songs;
    size_t n;
    if ((r = library_song_filter(call->conn, call->req->arena, scope, f, offset, (int)size, &songs,
                                 &n)) < 0)
        return r;
    return subsonic_items_songs(call, list, "song", songs, n, NULL);
}

int subsonic_lists_random_songs(SubsonicCall *call)
{
    SongFilter f = {.random = true};
    int r;
    if ((r = subsonic_param_int(call, "fromYear", 0, 0, 9999, &f.from_year)) < 0 ||
        (r = subsonic_param_int(call, "toYear", 0, 0, 9999, &f.to_year)) < 0)
        return r;
    return subsonic_lists_songs(call, "randomSongs", &f, "size", 0);
}

int subsonic_lists_songs_by_genre(SubsonicCall *call)
{
    SongFilter f = {0};
    const char *genre;
    int64_t offset;
    int r;
    if ((r = subsonic_param_required(call, "genre", &genre)) < 0 ||
        (r = subsonic_param_int(call, "offset", 0, 0, INT64_MAX, &offset)) < 0)
        return r;
    return subsonic_lists_songs(call, "songsByGenre", &f, "count", offset);
}

int subsonic_lists_now_playing(SubsonicCall *call)
{
    Arena *a = call->req->arena;
    int64_t now = (int64_t)time(NULL);
    NowPlaying *np;
    size_t n;
    SubsonicNode *list = subsonic_child(call->root, "nowPlaying");
    subsonic_list(list, "entry");
    int r = library_queue_now_playing_list(call->conn, a, subsonic_items_scope(call),
                                           call->user->user_id, call->ctx->now_playing_visible, now,
                                           &np, &n);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        Song *song;
        size_t k;
        SubsonicNode **node;
        if ((r = library_song_by_ids_scoped(call->conn, a, subsonic_items_scope(call),
                                            &np[i].song_id, 1, &song, &k)) < 0 ||
            (r = subsonic_items_songs(call, list, "entry", song, k, &node)) < 0)
            return r;
        if (k == 0)
            continue;
        subsonic_str(node[0], "username", np[i].username);
        subsonic_int(node[0], "minutesAgo",
                     now > np[i].updated_at ? (now - np[i].updated_at) / 60 : 0);
        subsonic_int(node[0], "playerId", (int64_t)i + 1);
        subsonic_str(node[0], "playerName", np[i].client);
    }
    return 0;
}

/* The starred items of one kind, newest first, a page of ids at a time. */
static int subsonic_lists_starred_kind(SubsonicCall *call, SubsonicNode *list, AnnotateKind kind,
                                       const LibraryScope *scope, bool id3)
{
    static const char *const elems[] = {"song", "album", "artist"};
    Arena *a = call->req->arena;
    const char *cursor = NULL;
    size_t total = 0;
    subsonic_list(list, elems[kind]);
    do {
        StarEntry *stars;
        size_t n;
        int r = library_annotate_stars(call->conn, a, scope, call->user->user_id, kind, cursor,
                                       LIMIT_PAGE_MAX, &stars, &n, &cursor);
        if (r < 0)
            return r;
        const char **ids = arena_alloc(a, (n ? n : 1) * sizeof(*ids));
        if (!ids)
            return -ENOMEM;
        for (size_t i = 0; i < n; i++)
            ids[i] = stars[i].item_id;
        size_t k;
        if (kind == ANNOTATE_SONG) {
            Song *songs;
            r = library_song_by_ids_scoped(call->conn, a, scope, ids, n, &songs, &k);
            if (r == 0)
                r = subsonic_items_songs(call, list, "song", songs, k, NULL);
        } else if (kind == ANNOTATE_ALBUM) {
            Album *albums;
            r = library_browse_albums_by_id_scoped(call->conn, a, scope, ids, n, &albums, &k);
            if (r == 0)
                r = subsonic_items_albums(call, list, "album", albums, k, !id3, NULL);
        } else {
            Artist *artists;
            r = library_browse_artists_by_id_scoped(call->conn, a, scope, ids, n, &artists, &k);
            if (r == 0)
                r = subsonic_items_artists(call, list, "artist", artists, k, NULL);
        }
        if (r < 0)
            return r;
        total += n;
    } while (cursor && total < LIMIT_SUBSONIC_STARRED);
    return 0;
}

static int subsonic_lists_starred_as(SubsonicCall *call, const char *elem, bool id3)
{
    const LibraryScope *scope;
    int r = subsonic_items_folder_scope(call, &scope);
    if (r < 0)
        return r;
    SubsonicNode *list = subsonic_child(call->root, elem);
    if ((r = subsonic_lists_starred_kind(call, list, ANNOTATE_ARTIST, scope, id3)) < 0 ||
        (r = subsonic_lists_starred_kind(call, list, ANNOTATE_ALBUM, scope, id3)) < 0)
        return r;
    return subsonic_lists_starred_kind(call, list, ANNOTATE_SONG, scope, id3);
}

int subsonic_lists_starred(SubsonicCall *call)
{
    return subsonic_lists_starred_as(call, "starred", false);
}

int subsonic_lists_starred2(SubsonicCall *call)
{
    return subsonic_lists_starred_as(call, "starred2", true);
}
