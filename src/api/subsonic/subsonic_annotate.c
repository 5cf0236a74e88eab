/* subsonic_annotate.c - stars, ratings, scrobbles and playback reports. */
#include "api/subsonic/subsonic_annotate.h"

#include "api/subsonic/subsonic_items.h"
#include "core/limits.h"
#include "core/str.h"
#include "library/library_annotate.h"
#include "library/library_history.h"
#include "library/library_queue.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* A play counts when the listener got this far: half the song, or four minutes. */
#define SUBSONIC_ANNOTATE_SCROBBLE_MS (4 * 60 * 1000)

typedef struct SubsonicTarget {
    AnnotateKind kind;
    const char *id;
} SubsonicTarget;

/* Collects the targets of id= (any kind), albumId= and artistId=, each checked visible.
 * Returns 0, or SUBSONIC_FAILED (70 for an unknown item, 10 when there is none). */
static int subsonic_annotate_targets(SubsonicCall *call, SubsonicTarget **ret_targets,
                                     size_t *ret_n)
{
    static const struct {
        const char *param;
        bool any;
        AnnotateKind kind;
    } params[] = {{"id", true, ANNOTATE_SONG},
                  {"albumId", false, ANNOTATE_ALBUM},
                  {"artistId", false, ANNOTATE_ARTIST}};
    Arena *a = call->req->arena;
    const LibraryScope *scope = subsonic_items_scope(call);
    SubsonicTarget *t = arena_alloc(a, LIMIT_SUBSONIC_PARAMS * sizeof(*t));
    const char **values = arena_alloc(a, LIMIT_SUBSONIC_PARAMS * sizeof(*values));
    if (!t || !values)
        return -ENOMEM;
    size_t n = 0;
    for (size_t p = 0; p < sizeof(params) / sizeof(params[0]); p++) {
        size_t k =
            subsonic_params_all(&call->params, params[p].param, values, LIMIT_SUBSONIC_PARAMS);
        for (size_t i = 0; i < k && n < LIMIT_SUBSONIC_PARAMS; i++) {
            int r = -ENOENT;
            AnnotateKind kind = params[p].kind;
            for (; r == -ENOENT && kind <= (params[p].any ? ANNOTATE_ARTIST : params[p].kind);
                 kind++)
                r = library_annotate_visible(call->conn, a, scope, kind, values[i]);
            if (r == -ENOENT)
                return subsonic_fail(call, SUBSONIC_ERR_NOT_FOUND,
                                     "The requested data was not found");
            if (r < 0)
                return r;
            t[n++] = (SubsonicTarget){kind - 1, values[i]};
        }
    }
    if (n == 0)
        return subsonic_fail(call, SUBSONIC_ERR_MISSING, "Required parameter is missing: id");
    *ret_targets = t;
    *ret_n = n;
    return 0;
}

static int subsonic_annotate_stars(SubsonicCall *call, bool star)
{
    SubsonicTarget *t;
    size_t n;
    int r = subsonic_annotate_targets(call, &t, &n);
    int64_t now = (int64_t)time(NULL);
    const LibraryScope *scope = subsonic_items_scope(call);
    for (size_t i = 0; r == 0 && i < n; i++) {
        r = star ? library_annotate_star(call->conn, call->req->arena, scope, call->user->user_id,
                                         t[i].kind, t[i].id, now)
                 : library_annotate_unstar(call->conn, call->req->arena, scope, call->user->user_id,
                                           t[i].kind, t[i].id);
    }
    return r;
}

int subsonic_annotate_star(SubsonicCall *call)
{
    return subsonic_annotate_stars(call, true);
}

int subsonic_annotate_unstar(SubsonicCall *call)
{
    return subsonic_annotate_stars(call, false);
}

int subsonic_annotate_rating(SubsonicCall *call)
{
    const char *id, *value;
    int64_t rating;
    int r;
    if ((r = subsonic_param_required(call, "id", &id)) < 0 ||
        (r = subsonic_param_required(call, "rating", &value)) < 0 ||
        (r = subsonic_param_int(call, "rating", 0, 0, 5, &rating)) < 0)
        return r;
    SubsonicTarget *t;
    size_t n;
    if ((r = subsonic_annotate_targets(call, &t, &n)) < 0)
        return r;
    return library_annotate_rate(call->conn, call->req->arena, subsonic_items_scope(call),
                                 call->user->user_id, t[0].kind, t[0].id, (int)rating,
                                 (int64_t)time(NULL));
}

/* The client name for history and now playing: c=, cut to LIMIT_CLIENT_NAME_BYTES. */
static const char *subsonic_annotate_client(SubsonicCall *call)
{
    const char *c = call->client[0] ? call->client : "subsonic";
    return strlen(c) > LIMIT_CLIENT_NAME_BYTES
               ? arena_strndup(call->req->arena, c, LIMIT_CLIENT_NAME_BYTES)
               : c;
}

int subsonic_annotate_scrobble(SubsonicCall *call)
{
    Arena *a = call->req->arena;
    const LibraryScope *scope = subsonic_items_scope(call);
    bool submission;
    int r = subsonic_param_bool(call, "submission", true, &submission);
    if (r < 0)
        return r;
    const char **ids = arena_alloc(a, LIMIT_SUBSONIC_PARAMS * sizeof(*ids));
    const char **times = arena_alloc(a, LIMIT_SUBSONIC_PARAMS * sizeof(*times));
    if (!ids || !times)
        return -ENOMEM;
    size_t n = subsonic_params_all(&call->params, "id", ids, LIMIT_SUBSONIC_PARAMS);
    size_t n_times = subsonic_params_all(&call->params, "time", times, LIMIT_SUBSONIC_PARAMS);
    if (n == 0)
        return subsonic_fail(call, SUBSONIC_ERR_MISSING, "Required parameter is missing: id");
    if (n_times && n_times != n)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Give one time per id, or none");
    int64_t now = (int64_t)time(NULL);
    int64_t *at = arena_alloc(a, n * sizeof(*at));
    if (!at)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int64_t ms = now * 1000;
        if (n_times && (str_to_int64(times[i], 0, INT64_MAX / 2, &ms) < 0 ||
                        ms / 1000 > now + LIBRARY_HISTORY_FUTURE_S))
            return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Invalid value of parameter time");
        at[i] = ms / 1000;
        if ((r = library_annotate_visible(call->conn, a, scope, ANNOTATE_SONG, ids[i])) < 0)
            return r;
    }
    const char *client = subsonic_annotate_client(call);
    for (size_t i = 0; i < n; i++) {
        bool recorded;
        if (submission)
            r = library_history_scrobble(call->conn, call->ctx->cache, a, scope,
                                         call->user->user_id, ids[i], at[i], client, now,
                                         &recorded);
        else
            r = library_queue_now_playing_set(call->conn, a, scope, call->user->user_id, client,
                                              ids[i], 0, "playing", now);
        if (r == -EINVAL)
            return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Invalid value of parameter time");
        if (r < 0)
            return r;
    }
    return 0;
}

int subsonic_annotate_report(SubsonicCall *call)
{
    static const struct {
        const char *state;
        const char *now_playing;
    } states[] = {{"starting", "playing"},
                  {"playing", "playing"},
                  {"paused", "paused"},
                  {"stopped", "stopped"}};
    Arena *a = call->req->arena;
    const char *id, *type, *state, *pos;
    int64_t position;
    bool ignore;
    int r;
    if ((r = subsonic_param_required(call, "mediaId", &id)) < 0 ||
        (r = subsonic_param_required(call, "mediaType", &type)) < 0 ||
        (r = subsonic_param_required(call, "state", &state)) < 0 ||
        (r = subsonic_param_required(call, "positionMs", &pos)) < 0 ||
        (r = subsonic_param_int(call, "positionMs", 0, 0, INT64_MAX / 2, &position)) < 0 ||
        (r = subsonic_param_bool(call, "ignoreScrobble", false, &ignore)) < 0)
        return r;
    if (strcmp(type, "song") != 0)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Only songs can be reported");
    size_t i = 0, n = sizeof(states) / sizeof(states[0]);
    while (i < n && strcmp(states[i].state, state) != 0)
        i++;
    if (i == n)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Invalid value of parameter state");
    Song song;
    const LibraryScope *scope = subsonic_items_scope(call);
    if ((r = library_song_get_scoped(call->conn, a, scope, id, &song)) < 0)
        return r;
    int64_t now = (int64_t)time(NULL);
    const char *client = subsonic_annotate_client(call);
    if ((r = library_queue_now_playing_set(call->conn, a, scope, call->user->user_id, client, id,
                                           position, states[i].now_playing, now)) < 0)
        return r;
    if (strcmp(state, "stopped") != 0 || ignore ||
        (position * 2 < song.duration_ms && position < SUBSONIC_ANNOTATE_SCROBBLE_MS))
        return 0;
    bool recorded;
    return library_history_scrobble(call->conn, call->ctx->cache, a, scope, call->user->user_id, id,
                                    now, client, now, &recorded);
}
