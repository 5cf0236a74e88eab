/*
 * native_personal.c - stars, ratings, history, popular songs, now playing, play queue and
 * bookmarks of the native JSON API. Each handler takes the caller's Principal, turns it into
 * a LibraryScope, and calls library_annotate / library_history / library_queue with the
 * caller's user id only, so no request can name another user's rows.
 */
#include "api/native/native_personal.h"

#include "api/api.h"
#include "api/api_auth.h"
#include "api/api_error.h"
#include "api/api_json.h"
#include "api/api_request.h"
#include "api/native/native_browse.h"
#include "api/native/native_songs.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "library/library_annotate.h"
#include "library/library_browse.h"
#include "library/library_history.h"
#include "library/library_queue.h"
#include "library/library_song.h"

#include <stddef.h>
#include <string.h>
#include <time.h>

#define PERSONAL_POPULAR_DEFAULT 50

/* What every handler needs: who asks, what they may see, and a connection. */
typedef struct Personal {
    const ApiContext *ctx;
    const Principal *who;
    LibraryScope scope;
    DbConn *conn;
} Personal;

/* Resolves the caller and borrows a connection; answers 401 / 503 itself. */
static int personal_begin(HttpRequest *req, HttpResponse *res, Personal *ps)
{
    ps->ctx = req->app;
    ps->who = api_auth_principal(req);
    if (!ps->who) {
        api_error(req, res, 401, "unauthorized", "sign in first");
        return ERR_AUTH;
    }
    ps->scope =
        (LibraryScope){ps->who->all_libraries, ps->who->library_ids, ps->who->n_library_ids};
    return api_conn(req, res, &ps->conn);
}

static int64_t personal_now(void)
{
    return (int64_t)time(NULL);
}

/* Reads integer member `key` in [min, max] (absent: `dflt`). Returns 0 or -EINVAL. */
static int personal_int(json_t *o, const char *key, int64_t dflt, int64_t min, int64_t max,
                        int64_t *ret_value)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *ret_value = dflt;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return -EINVAL;
    *ret_value = (int64_t)json_integer_value(v);
    return 0;
}

/* Reads string member `key` (absent: `dflt`). Returns 0 or -EINVAL. */
static int personal_str(json_t *o, const char *key, const char *dflt, const char **ret_value)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *ret_value = dflt;
        return 0;
    }
    if (!json_is_string(v))
        return -EINVAL;
    *ret_value = json_string_value(v);
    return 0;
}

static int personal_bad(HttpRequest *req, HttpResponse *res, const char *msg)
{
    return api_error(req, res, 400, "bad_request", msg);
}

/* Fetches the visible songs among `ids` (any number, ids may repeat), chunk by chunk. */
static int personal_songs(Personal *ps, Arena *arena, const char *const *ids, size_t n,
                          Song **ret_songs, size_t *ret_count)
{
    return library_song_by_ids_all(ps->conn, arena, &ps->scope, ids, n, ret_songs, ret_count);
}

/* personal_songs() of the ids in the `const char *` member at `id_offset` of each of the `n`
 * rows of `stride` bytes at `rows` (a page of plays, bookmarks, ...). */
static int personal_row_songs(Personal *ps, Arena *arena, const void *rows, size_t n, size_t stride,
                              size_t id_offset, Song **ret_songs, size_t *ret_count)
{
    const char **ids = arena_calloc(arena, n + 1, sizeof(*ids));
    if (!ids)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        memcpy(&ids[i], (const char *)rows + i * stride + id_offset, sizeof(ids[i]));
    return personal_songs(ps, arena, ids, n, ret_songs, ret_count);
}

static const Song *personal_find(const Song *songs, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(songs[i].id, id) == 0)
            return &songs[i];
    }
    return NULL;
}

/* ---- stars and ratings ---- */

/* Parses {kind}; answers 400 itself. */
static int personal_kind(HttpRequest *req, HttpResponse *res, const char *name,
                         AnnotateKind *ret_kind)
{
    if (library_annotate_kind(name, ret_kind) < 0) {
        personal_bad(req, res, "kind must be song, album or artist");
        return -EINVAL;
    }
    return 0;
}

static int personal_star_change(HttpRequest *req, HttpResponse *res, bool star)
{
    AnnotateKind kind;
    if (personal_kind(req, res, req->params[0], &kind) < 0)
        return 0;
    Personal ps;
    if (personal_begin(req, res, &ps) < 0)
        return 0;
    const char *id = req->params[1];
    int64_t now = personal_now(), starred_at = 0;
    int rating = 0;
    int r =
        star ? library_annotate_star(ps.conn, req->arena, &ps.scope, ps.who->user_id, kind, id, now)
             : library_annotate_unstar(ps.conn, req->arena, &ps.scope, ps.who->user_id, kind, id);
    if (r == 0)
        r = library_annotate_get(ps.conn, req->arena, &ps.scope, ps.who->user_id, kind, id,
                                 &starred_at, &rating);
    db_release(ps.conn);
    if (r < 0)
        return api_error_from(req, res, r);
    return api_json_respond(
        req, res, 200,
        json_pack("{s:s, s:o, s:b, s:o, s:o}", "kind", library_annotate_kind_name(kind), "id",
                  api_json_string(req, id), "starred", starred_at != 0, "starredAt",
                  starred_at ? json_integer(starred_at) : json_null(), "rating",
                  rating ? json_integer(rating) : json_null()));
}

int native_personal_star_put(HttpRequest *req, HttpResponse *res)
{
    return personal_star_change(req, res, true);
}

int native_personal_star_delete(HttpRequest *req, HttpResponse *res)
{
    return personal_star_change(req, res, false);
}

int native_personal_star_get(HttpRequest *req, HttpResponse *res)
{
    AnnotateKind kind;
    if (personal_kind(req, res, req->params[0], &kind) < 0)
        return 0;
    Personal ps;
    if (personal_begin(req, res, &ps) < 0)
        return 0;
    int64_t starred_at = 0;
    int rating = 0;
    int r = library_annotate_get(ps.conn, req->arena, &ps.scope, ps.who->user_id, kind,
                                 req->params[1], &starred_at, &rating);
    db_release(ps.conn);
    if (r < 0)
        return api_error_from(req, res, r);
    return api_json_respond(
        req, res, 200,
        json_pack("{s:s, s:o, s:b, s:o, s:o}", "kind", library_annotate_kind_name(kind), "id",
                  api_json_string(req, req->params[1]), "starred", starred_at != 0, "starredAt",
                  starred_at ? json_integer(starred_at) : json_null(), "rating",
                  rating ? json_integer(rating) : json_null()));
}

/* The JSON of the starred items of a page, in page order, each with "starredAt". */
static int personal_star_items(Personal *ps, HttpRequest *req, AnnotateKind kind,
                               const StarEntry *stars, size_t n, json_t *items)
{
    const char **ids = arena_calloc(req->arena, n + 1, sizeof(*ids));
    if (!ids)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        ids[i] = stars[i].item_id;
    int r;
    if (kind == ANNOTATE_SONG) {
        Song *songs;
        size_t ns;
        if ((r = personal_songs(ps, req->arena, ids, n, &songs, &ns)) < 0)
            return r;
        for (size_t i = 0; i < n; i++) {
            const Song *s = personal_find(songs, ns, ids[i]);
            json_t *o = s ? native_songs_json(req, s) : NULL;
            if (o) {
                json_object_set_new(o, "starredAt", json_integer(stars[i].starred_at));
                json_array_append_new(items, o);
            }
        }
    } else if (kind == ANNOTATE_ALBUM) {
        Album *albums;
        size_t na;
        if ((r = library_browse_albums_by_id(ps->conn, req->arena, ids, n, &albums, &na)) < 0)
            return r;
        for (size_t i = 0; i < n; i++) {
            for (size_t k = 0; k < na; k++) {
                if (strcmp(albums[k].id, ids[i]) != 0)
                    continue;
                json_t *o = native_browse_album_json(req, &albums[k]);
                if (o) {
                    json_object_set_new(o, "starredAt", json_integer(stars[i].starred_at));
                    json_array_append_new(items, o);
                }
                break;
            }
        }
    } else {
        Artist *artists;
        size_t na;
        /* scoped: a restricted caller sees the counts of their libraries */
        if ((r = library_browse_artists_by_id_scoped(ps->conn, req->arena, &ps->scope, ids, n,
                                                     &artists, &na)) < 0)
            return r;
        for (size_t i = 0; i < n; i++) {
            for (size_t k = 0; k < na; k++) {
                if (strcmp(artists[k].id, ids[i]) != 0)
                    continue;
                json_t *o = native_browse_artist_json(req, &artists[k]);
                if (o) {
                    json_object_set_new(o, "starredAt", json_integer(stars[i].starred_at));
                    json_array_append_new(items, o);
                }
                break;
            }
        }
    }
    return 0;
}

int native_personal_stars(HttpRequest *req, HttpResponse *res)
{
    const char *kind_name = http_request_query(req, "kind");
    AnnotateKind kind;
    if (personal_kind(req, res, kind_name && *kind_name ? kind_name : "song", &kind) < 0)
        return 0;
    int limit;
    const char *after;
    if (api_query_page(req, res, &limit, &after) < 0)
        return 0;
    Personal ps;
    if (personal_begin(req, res, &ps) < 0)
        return 0;
    StarEntry *stars;
    size_t n;
    const char *next;
    json_t *items = NULL;
    int r = library_annotate_stars(ps.conn, req->arena, &ps.scope, ps.who->user_id, kind, after,
                                   limit, &stars, &n, &next);
    if (r == 0 && !(items = json_array()))
        r = -ENOMEM;
    if (r == 0)
        r = personal_star_items(&ps, req, kind, stars, n, items);
    db_release(ps.conn);
    if (r < 0) {
        json_decref(items);
        return api_paged_error(req, res, r);
    }
    return api_paged(req, res, items, next);
}

int native_personal_rating_put(HttpRequest *req, HttpResponse *res)
{
    AnnotateKind kind;
    if (personal_kind(req, res, req->params[0], &kind) < 0)
        return 0;
    json_t *body;
    if (api_body_object(req, res, &body) < 0)
        return 0;
    int64_t rating;
    int r = personal_int(body, "rating", -1, 0, 5, &rating);
    json_decref(body);
    if (r < 0 || rating < 0)
        return personal_bad(req, res, "rating must be an integer in 0..5 (0 removes it)");
    Personal ps;
    if (personal_begin(req, res, &ps) < 0)
        return 0;
    r = library_annotate_rate(ps.conn, req->arena, &ps.scope, ps.who->user_id, kind, req->params[1],
                              (int)rating, personal_now());
    db_release(ps.conn);
    if (r < 0)
        return api_error_from(req, res, r);
    return api_json_respond(req, res, 200,
                            json_pack("{s:s, s:o, s:o}", "kind", library_annotate_kind_name(kind),
                                      "id", api_json_string(req, req->params[1]), "rating",
                                      rating ? json_integer(rating) : json_null()));
}

/* ---- history and popular songs ---- */

int native_personal_history_post(HttpRequest *req, HttpResponse *res)
{
    json_t *body;
    if (api_body_object(req, res, &body) < 0)
        return 0;
    int64_t now = personal_now(), played_at, position_ms;
    const char *song_id = NULL, *client = NULL;
    json_t *sub = json_object_get(body, "submission");
    int r = 0;
    if (personal_str(body, "songId", NULL, &song_id) < 0 || !song_id)
        r = personal_bad(req, res, "songId (a string) is required");
    else if (personal_int(body, "playedAt", now, 0, INT64_MAX, &played_at) < 0)
        r = personal_bad(req, res, "playedAt must be Unix seconds");
    else if (played_at > now + LIBRARY_HISTORY_FUTURE_S)
        r = personal_bad(req, res, "playedAt is in the future");
    else if (personal_str(body, "client", "", &client) < 0 ||
             strlen(client) > LIMIT_CLIENT_NAME_BYTES)
        r = personal_bad(req, res, "client must be a string of at most 128 bytes");
    else if (personal_int(body, "positionMs", 0, 0, INT64_MAX, &position_ms) < 0)
        r = personal_bad(req, res, "positionMs must be a non-negative integer");
    else if (sub && !json_is_boolean(sub))
        r = personal_bad(req, res, "submission must be true or false");
    else
        r = 1;
    if (r != 1) {
        json_decref(body);
        return 0;
    }
    bool submission = !sub || json_is_true(sub);
    Personal ps;
    if (personal_begin(req, res, &ps) < 0) {
        json_decref(body);
        return 0;
    }
    bool recorded = false;
    if (submission)
        r = library_history_scrobble(ps.conn, ps.ctx->cache, req->arena, &ps.scope, ps.who->user_id,
                                     song_id, played_at, client, now, &recorded);
    else
        r = library_queue_now_playing_set(ps.conn, req->arena, &ps.scope, ps.who->user_id,
                                          *client ? client : "default", song_id, position_ms,
                                          "playing", now);
    db_release(ps.conn);
    json_decref(body);
    if (r < 0)
        return api_error_from(req, res, r);
    return api_json_respond(
        req, res, 200, json_pack("{s:b, s:b}", "recorded", recorded, "nowPlaying", !submission));
}

int native_personal_history(HttpRequest *req, HttpResponse *res)
{
    int limit;
    const char *after;
    if (api_query_page(req, res, &limit, &after) < 0)
        return 0;
    Personal ps;
    if (personal_begin(req, res, &ps) < 0)
        return 0;
    PlayEntry *plays = NULL;
    size_t n = 0, ns = 0;
    const char *next = NULL;
    Song *songs = NULL;
    int r = library_history_list(ps.conn, req->arena, &ps.scope, ps.who->user_id, after, limit,
                                 &plays, &n, &next);
    if (r == 0)
        r = personal_row_songs(&ps, req->arena, plays, n, sizeof(*plays),
                               offsetof(PlayEntry, song_id), &songs, &ns);
    db_release(ps.conn);
    if (r < 0)
        return api_paged_error(req, res, r);
    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++) {
        const Song *s = personal_find(songs, ns, plays[i].song_id);
        if (!s)
            continue;
        json_array_append_new(items, json_pack("{s:I, s:o, s:o}", "playedAt",
                                               (json_int_t)plays[i].played_at, "client",
                                               api_json_string(req, plays[i].client), "song",
                                               native_songs_json(req, s)));
    }
    return api_paged(req, res, items, next);
}

int native_personal_history_song(HttpRequest *req, HttpResponse *res)
{
    Personal ps;
    if (personal_begin(req, res, &ps) < 0)
        return 0;
    int64_t count = 0, last = 0;
    int r = library_history_count(ps.conn, req->arena, &ps.scope, ps.who->user_id, req->params[0],
                                  &count, &last);
    db_release(ps.conn);
    if (r < 0)
        return api_error_from(req, res, r);
    return api_json_respond(
        req, res, 200,
        json_pack("{s:o, s:I, s:o}", "songId", api_json_string(req, req->params[0]), "playCount",
                  (json_int_t)count, "lastPlayedAt", last ? json_integer(last) : json_null()));
}

int native_personal_popular(HttpRequest *req, HttpResponse *res)
{
    int limit;
    if (api_query_limit(req, res, PERSONAL_POPULAR_DEFAULT, LIMIT_POPULAR_MAX, &limit) < 0)
        return 0;
    const char *artist = http_request_query(req, "artistId");
    if (artist && !*artist)
        artist = NULL;
    Personal ps;
    if (personal_begin(req, res, &ps) < 0)
        return 0;
    int r = 0;
    if (artist)
        r = library_annotate_visible(ps.conn, req->arena, &ps.scope, ANNOTATE_ARTIST, artist);
    PopularEntry *top = NULL;
    size_t n = 0, ns = 0;
    Song *songs = NULL;
    if (r == 0)
        r = library_history_popular(ps.conn, ps.ctx->cache, req->arena, artist, personal_now(),
                                    &top, &n);
    if (r == 0)
        r = personal_row_songs(&ps, req->arena, top, n, sizeof(*top),
                               offsetof(PopularEntry, song_id), &songs, &ns);
    db_release(ps.conn);
    if (r < 0)
        return api_error_from(req, res, r);
    json_t *items = json_array();
    size_t shown = 0;
    for (size_t i = 0; items && i < n && shown < (size_t)limit; i++) {
        const Song *s = personal_find(songs, ns, top[i].song_id);
        json_t *o = s ? native_songs_json(req, s) : NULL;
        if (!o)
            continue;
        json_object_set_new(o, "plays", json_integer(top[i].plays));
        json_array_append_new(items, o);
        shown++;
    }
    return api_paged(req, res, items, NULL);
}

/* ---- now playing ---- */

int native_personal_now_playing_put(HttpRequest *req, HttpResponse *res)
{
    json_t *body;
    if (api_body_object(req, res, &body) < 0)
        return 0;
    const char *song_id = NULL, *state = NULL, *client = NULL;
    int64_t position_ms = 0;
    int r = 0;
    if (personal_str(body, "songId", NULL, &song_id) < 0 || !song_id)
        r = personal_bad(req, res, "songId (a string) is required");
    else if (personal_int(body, "positionMs", 0, 0, INT64_MAX, &position_ms) < 0)
        r = personal_bad(req, res, "positionMs must be a non-negative integer");
    else if (personal_str(body, "state", "playing", &state) < 0 ||
             (strcmp(state, "playing") != 0 && strcmp(state, "paused") != 0 &&
              strcmp(state, "stopped") != 0))
        r = personal_bad(req, res, "state must be playing, paused or stopped");
    else if (personal_str(body, "client", "default", &client) < 0 || !*client ||
             strlen(client) > LIMIT_CLIENT_NAME_BYTES)
        r = personal_bad(req, res, "client must be a string of 1..128 bytes");
    else
        r = 1;
    if (r != 1) {
        json_decref(body);
        return 0;
    }
    Personal ps;
    if (personal_begin(req, res, &ps) < 0) {
        json_decref(body);
        return 0;
    }
    r = library_queue_now_playing_set(ps.conn, req->arena, &ps.scope, ps.who->user_id, client,
                                      song_id, position_ms, state, personal_now());
    db_release(ps.conn);
    json_decref(body);
    if (r < 0)
        return api_error_from(req, res, r);
    return api_json_respond(req, res, 200, json_pack("{s:b}", "ok", 1));
}

int native_personal_now_playing(HttpRequest *req, HttpResponse *res)
{
    Personal ps;
    if (personal_begin(req, res, &ps) < 0)
        return 0;
    NowPlaying *np = NULL;
    size_t n = 0, ns = 0;
    Song *songs = NULL;
    int r = library_queue_now_playing_list(ps.conn, req->arena, &ps.scope, ps.who->user_id,
                                           ps.ctx->now_playing_visible, personal_now(), &np, &n);
    if (r == 0)
        r = personal_row_songs(&ps, req->arena, np, n, sizeof(*np), offsetof(NowPlaying, song_id),
                               &songs, &ns);
    db_release(ps.conn);
    if (r < 0)
        return api_error_from(req, res, r);
    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++) {
        const Song *s = personal_find(songs, ns, np[i].song_id);
        if (!s)
            continue;
        json_array_append_new(items, json_pack("{s:o, s:o, s:b, s:o, s:I, s:o, s:I, s:o}", "userId",
                                               api_json_string(req, np[i].user_id), "username",
                                               api_json_string(req, np[i].username), "own",
                                               strcmp(np[i].user_id, ps.who->user_id) == 0,
                                               "client", api_json_string(req, np[i].client),
                                               "positionMs", (json_int_t)np[i].position_ms, "state",
                                               api_json_string(req, np[i].state), "updatedAt",
                                               (json_int_t)np[i].updated_at, "song",
                                               native_songs_json(req, s)));
    }
    return api_paged(req, res, items, NULL);
}

/* ---- play queue ---- */

/* Answers the caller's queue as stored. */
static int personal_queue_answer(HttpRequest *req, HttpResponse *res, Personal *ps)
{
    PlayQueue q;
    Song *songs = NULL;
    size_t ns = 0;
    int r = library_queue_load(ps->conn, req->arena, &ps->scope, ps->who->user_id, &q);
    if (r == 0)
        r = personal_songs(ps, req->arena, q.song_ids, q.n, &songs, &ns);
    db_release(ps->conn);
    if (r < 0)
        return api_error_from(req, res, r);
    json_t *list = json_array();
    for (size_t i = 0; list && i < q.n; i++) {
        const Song *s = personal_find(songs, ns, q.song_ids[i]);
        if (s)
            json_array_append_new(list, native_songs_json(req, s));
    }
    if (!list)
        return api_json_respond(req, res, 200, NULL);
    return api_json_respond(
        req, res, 200,
        json_pack("{s:o, s:I, s:I, s:o, s:o}", "songs", list, "currentIndex",
                  (json_int_t)q.current_index, "positionMs", (json_int_t)q.position_ms, "changedAt",
                  q.changed_at ? json_integer(q.changed_at) : json_null(), "changedBy",
                  q.changed_at ? api_json_string(req, q.changed_by) : json_null()));
}

int native_personal_queue_put(HttpRequest *req, HttpResponse *res)
{
    json_t *body;
    if (api_body_object(req, res, &body) < 0)
        return 0;
    json_t *ids_json = json_object_get(body, "songIds");
    const char *client = NULL;
    int64_t current = 0, position_ms = 0;
    int r = 0;
    if (!json_is_array(ids_json))
        r = personal_bad(req, res, "songIds (an array of song ids) is required");
    else if (json_array_size(ids_json) > LIMIT_QUEUE_ENTRIES)
        r = api_error(req, res, 400, "limit_exceeded", "a play queue holds at most 1000 songs");
    else if (personal_int(body, "currentIndex", 0, 0, LIMIT_QUEUE_ENTRIES, &current) < 0 ||
             (json_array_size(ids_json) > 0 && current >= (int64_t)json_array_size(ids_json)) ||
             (json_array_size(ids_json) == 0 && current != 0))
        r = personal_bad(req, res, "currentIndex must be an index into songIds");
    else if (personal_int(body, "positionMs", 0, 0, INT64_MAX, &position_ms) < 0)
        r = personal_bad(req, res, "positionMs must be a non-negative integer");
    else if (personal_str(body, "client", "", &client) < 0 ||
             strlen(client) > LIMIT_CLIENT_NAME_BYTES)
        r = personal_bad(req, res, "client must be a string of at most 128 bytes");
    else
        r = 1;
    size_t n = json_array_size(ids_json);
    const char **ids = r == 1 ? arena_calloc(req->arena, n + 1, sizeof(*ids)) : NULL;
    if (r == 1 && !ids)
        r = api_error_from(req, res, -ENOMEM);
    for (size_t i = 0; r == 1 && i < n; i++) {
        json_t *v = json_array_get(ids_json, i);
        if (!json_is_string(v))
            r = personal_bad(req, res, "songIds must hold strings");
        else
            ids[i] = json_string_value(v);
    }
    if (r != 1) {
        json_decref(body);
        return 0;
    }
    Personal ps;
    if (personal_begin(req, res, &ps) < 0) {
        json_decref(body);
        return 0;
    }
    r = library_queue_save(ps.conn, req->arena, &ps.scope, ps.who->user_id, ids, n, current,
                           position_ms, client, personal_now());
    json_decref(body);
    if (r < 0) {
        db_release(ps.conn);
        if (r == -ENOENT)
            return api_error(req, res, 400, "unknown_song",
                             "songIds names a song that does not exist; nothing was saved");
        return api_error_from(req, res, r);
    }
    return personal_queue_answer(req, res, &ps);
}

int native_personal_queue(HttpRequest *req, HttpResponse *res)
{
    Personal ps;
    if (personal_begin(req, res, &ps) < 0)
        return 0;
    return personal_queue_answer(req, res, &ps);
}

/* ---- bookmarks ---- */

static json_t *personal_bookmark_json(HttpRequest *req, const Bookmark *b, const Song *s)
{
    return json_pack("{s:o, s:I, s:o, s:I, s:I, s:o}", "songId", api_json_string(req, b->song_id),
                     "positionMs", (json_int_t)b->position_ms, "comment",
                     api_json_string(req, b->comment), "createdAt", (json_int_t)b->created_at,
                     "updatedAt", (json_int_t)b->updated_at, "song",
                     s ? native_songs_json(req, s) : json_null());
}

int native_personal_bookmark_put(HttpRequest *req, HttpResponse *res)
{
    json_t *body;
    if (api_body_object(req, res, &body) < 0)
        return 0;
    int64_t position_ms = 0;
    const char *comment = NULL;
    int r = 0;
    if (personal_int(body, "positionMs", -1, 0, INT64_MAX, &position_ms) < 0 || position_ms < 0)
        r = personal_bad(req, res, "positionMs (a non-negative integer) is required");
    else if (personal_str(body, "comment", "", &comment) < 0)
        r = personal_bad(req, res, "comment must be a string");
    else if (strlen(comment) > LIMIT_BOOKMARK_COMMENT_BYTES)
        r = api_error(req, res, 400, "limit_exceeded", "comment is longer than 1024 bytes");
    else
        r = 1;
    if (r != 1) {
        json_decref(body);
        return 0;
    }
    Personal ps;
    if (personal_begin(req, res, &ps) < 0) {
        json_decref(body);
        return 0;
    }
    int64_t now = personal_now();
    const char *song_id = req->params[0];
    r = library_queue_bookmark_set(ps.conn, req->arena, &ps.scope, ps.who->user_id, song_id,
                                   position_ms, comment, now);
    Bookmark b = {song_id, position_ms, arena_strdup(req->arena, comment), now, now};
    json_decref(body);
    Song song;
    if (r == 0)
        r = library_song_get_scoped(ps.conn, req->arena, &ps.scope, song_id, &song);
    db_release(ps.conn);
    if (r < 0)
        return api_error_from(req, res, r);
    if (!b.comment)
        return api_json_respond(req, res, 200, NULL);
    return api_json_respond(req, res, 200, personal_bookmark_json(req, &b, &song));
}

int native_personal_bookmark_delete(HttpRequest *req, HttpResponse *res)
{
    Personal ps;
    if (personal_begin(req, res, &ps) < 0)
        return 0;
    int r = library_queue_bookmark_delete(ps.conn, req->arena, &ps.scope, ps.who->user_id,
                                          req->params[0]);
    db_release(ps.conn);
    if (r < 0)
        return api_error_from(req, res, r);
    return api_json_respond(req, res, 200, json_pack("{s:b}", "deleted", 1));
}

int native_personal_bookmarks(HttpRequest *req, HttpResponse *res)
{
    int limit;
    const char *after;
    if (api_query_page(req, res, &limit, &after) < 0)
        return 0;
    Personal ps;
    if (personal_begin(req, res, &ps) < 0)
        return 0;
    Bookmark *marks = NULL;
    size_t n = 0, ns = 0;
    const char *next = NULL;
    Song *songs = NULL;
    int r = library_queue_bookmarks(ps.conn, req->arena, &ps.scope, ps.who->user_id, after, limit,
                                    &marks, &n, &next);
    if (r == 0)
        r = personal_row_songs(&ps, req->arena, marks, n, sizeof(*marks),
                               offsetof(Bookmark, song_id), &songs, &ns);
    db_release(ps.conn);
    if (r < 0)
        return api_paged_error(req, res, r);
    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++) {
        const Song *s = personal_find(songs, ns, marks[i].song_id);
        if (s)
            json_array_append_new(items, personal_bookmark_json(req, &marks[i], s));
    }
    return api_paged(req, res, items, next);
}
