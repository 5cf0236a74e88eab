/*
 * native_playlists.c - the playlist endpoints of the native JSON API. Access rules live in
 * library_playlist.c (inside each write's transaction); this file parses bodies, maps
 * errors and builds JSON. Covers and exports are made on this server thread.
 */
#include "api/native/native_playlists.h"

#include "api/api.h"
#include "api/api_auth.h"
#include "api/api_error.h"
#include "api/api_json.h"
#include "api/api_request.h"
#include "api/api_zip.h"
#include "api/native/native_songs.h"
#include "api/native/native_users.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/str.h"
#include "library/library_cover.h"
#include "library/library_cursor.h"
#include "library/library_m3u.h"
#include "library/library_playlist.h"
#include "media/media_grid.h"
#include "media/media_image.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NATIVE_PL_COVER_EDGE_DEFAULT 512
#define NATIVE_PL_IMPORT_NAME        "Imported playlist"
#define NATIVE_PL_BAD_FIELDS                                                                       \
    "name must be 1..256 bytes without control characters; comment at most 4096 bytes"
#define NATIVE_PL_EXPORT_MAX ((size_t)LIMIT_PLAYLIST_ENTRIES * (LIMIT_PATH_BYTES + 64))

/* Fills `who` from the guard's Principal. Answers 401 itself when there is none. */
static int native_pl_user(HttpRequest *req, HttpResponse *res, PlaylistUser *who)
{
    const Principal *p = api_auth_principal(req);
    if (!p) {
        api_error(req, res, 401, "unauthorized", "authentication required");
        return ERR_AUTH;
    }
    who->id = p->user_id;
    who->all_libraries = p->all_libraries;
    who->library_ids = p->library_ids;
    who->n_library_ids = p->n_library_ids;
    return 0;
}

/* The caller and the request's JSON object (the caller decrefs it): 0, or -1 with the error
 * answered. */
static int native_pl_user_body(HttpRequest *req, HttpResponse *res, PlaylistUser *who,
                               json_t **ret_body)
{
    return native_pl_user(req, res, who) < 0 || api_body_object(req, res, ret_body) < 0 ? -1 : 0;
}

static const char *native_pl_access_name(PlaylistAccess a)
{
    return a == PLAYLIST_ACCESS_OWN ? "owner" : a == PLAYLIST_ACCESS_EDIT ? "editor" : "reader";
}

static json_t *native_pl_json(HttpRequest *req, const Playlist *p)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", api_json_string(req, p->id));
    json_object_set_new(o, "name", api_json_string(req, p->name));
    json_object_set_new(o, "comment", api_json_string(req, p->comment));
    json_object_set_new(o, "public", json_boolean(p->is_public));
    json_object_set_new(o, "ownerId", api_json_string(req, p->owner_id));
    json_object_set_new(o, "owner", api_json_string(req, p->owner_name));
    json_object_set_new(o, "songCount", json_integer(p->song_count));
    json_object_set_new(o, "durationMs", json_integer(p->duration_ms));
    json_object_set_new(o, "hasImage", json_boolean(p->image_path != NULL));
    json_object_set_new(o, "access", json_string(native_pl_access_name(p->access)));
    json_object_set_new(o, "createdAt", json_integer(p->created_at));
    json_object_set_new(o, "updatedAt", json_integer(p->updated_at));
    return o;
}

/* Maps a library error to an answer; ERR_LIMIT on entries is 413. Returns 0. */
static int native_pl_error(HttpRequest *req, HttpResponse *res, int r)
{
    if (r == ERR_LIMIT)
        return api_error(req, res, 413, "limit_exceeded",
                         "a playlist holds at most 10000 entries (LIMIT_PLAYLIST_ENTRIES)");
    if (r == ERR_FORBIDDEN)
        return api_error(req, res, 403, "forbidden", "you may not change this playlist");
    return api_error_from(req, res, r);
}

/* Reads an array of strings (at most `max`) from body[key]; a missing key gives none.
 * Answers 400 itself. Strings borrowed from `body`. */
static int native_pl_strings(HttpRequest *req, HttpResponse *res, json_t *body, const char *key,
                             size_t max, bool required, const char ***ret, size_t *ret_n)
{
    json_t *a = json_object_get(body, key);
    if (!a && !required) {
        *ret = NULL;
        *ret_n = 0;
        return 0;
    }
    if (!json_is_array(a)) {
        api_error(req, res, 400, "bad_request",
                  arena_printf(req->arena, "'%s' must be an array of strings", key));
        return -EINVAL;
    }
    size_t n = json_array_size(a);
    if (n > max) {
        native_pl_error(req, res, ERR_LIMIT);
        return ERR_LIMIT;
    }
    const char **list = arena_alloc(req->arena, (n + 1) * sizeof(*list));
    if (!list) {
        api_error_from(req, res, -ENOMEM);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        list[i] = json_string_value(json_array_get(a, i));
        if (!list[i]) {
            api_error(req, res, 400, "bad_request",
                      arena_printf(req->arena, "'%s' must be an array of strings", key));
            return -EINVAL;
        }
    }
    *ret = list;
    *ret_n = n;
    return 0;
}

/* Reads an array of integers (at most `max`) from body[key]. Answers 400 itself. */
static int native_pl_ints(HttpRequest *req, HttpResponse *res, json_t *body, const char *key,
                          size_t max, int64_t **ret, size_t *ret_n)
{
    json_t *a = json_object_get(body, key);
    if (!json_is_array(a) || json_array_size(a) > max) {
        api_error(
            req, res, 400, "bad_request",
            arena_printf(req->arena, "'%s' must be an array of at most %zu integers", key, max));
        return -EINVAL;
    }
    size_t n = json_array_size(a);
    int64_t *list = arena_alloc(req->arena, (n + 1) * sizeof(*list));
    if (!list) {
        api_error_from(req, res, -ENOMEM);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(a, i);
        if (!json_is_integer(v)) {
            api_error(req, res, 400, "bad_request",
                      arena_printf(req->arena, "'%s' must be an array of integers", key));
            return -EINVAL;
        }
        list[i] = (int64_t)json_integer_value(v);
    }
    *ret = list;
    *ret_n = n;
    return 0;
}

/* Answers `status` with the playlist `id` as `who` now sees it. */
static int native_pl_respond(HttpRequest *req, HttpResponse *res, DbConn *conn, const char *id,
                             const PlaylistUser *who, int status)
{
    Playlist p;
    int r = library_playlist_get(conn, req->arena, id, who, &p);
    if (r < 0)
        return native_pl_error(req, res, r);
    return api_json_respond(req, res, status, native_pl_json(req, &p));
}

int native_playlists_list(HttpRequest *req, HttpResponse *res)
{
    PlaylistUser who;
    int limit;
    const char *after;
    if (native_pl_user(req, res, &who) < 0 || api_query_page(req, res, &limit, &after) < 0)
        return 0;
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    Playlist *items;
    size_t n;
    const char *next;
    int r = library_playlist_list(conn, req->arena, &who, after, limit, &items, &n, &next);
    db_release(conn);
    if (r == ERR_PARSE)
        return api_error(req, res, 400, "bad_request", "malformed cursor in 'after'");
    if (r < 0)
        return native_pl_error(req, res, r);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, native_pl_json(req, &items[i]));
    return api_paged(req, res, a, next);
}

/* Reads an optional boolean body[key] into *ret (unchanged when absent). */
static int native_pl_bool(HttpRequest *req, HttpResponse *res, json_t *body, const char *key,
                          bool *ret, bool *ret_present)
{
    json_t *v = json_object_get(body, key);
    if (!v)
        return 0;
    if (!json_is_boolean(v)) {
        api_error(req, res, 400, "bad_request",
                  arena_printf(req->arena, "'%s' must be true or false", key));
        return -EINVAL;
    }
    *ret = json_is_true(v);
    if (ret_present)
        *ret_present = true;
    return 0;
}

/* Reads an optional string body[key]; NULL when absent. */
static int native_pl_string(HttpRequest *req, HttpResponse *res, json_t *body, const char *key,
                            const char **ret)
{
    json_t *v = json_object_get(body, key);
    *ret = NULL;
    if (!v)
        return 0;
    if (!json_is_string(v)) {
        api_error(req, res, 400, "bad_request",
                  arena_printf(req->arena, "'%s' must be a string", key));
        return -EINVAL;
    }
    *ret = json_string_value(v);
    return 0;
}

static int native_pl_bad_fields(HttpRequest *req, HttpResponse *res)
{
    return api_error(req, res, 400, "bad_request", NATIVE_PL_BAD_FIELDS);
}

/* Answers the outcome `r` of a change to the playlist {id}: -EINVAL is 400 with `invalid`,
 * another error as native_pl_error(), success the playlist as `who` now sees it. Returns 0. */
static int native_pl_changed(HttpRequest *req, HttpResponse *res, DbConn *conn,
                             const PlaylistUser *who, int r, const char *invalid)
{
    if (r == -EINVAL)
        return api_error(req, res, 400, "bad_request", invalid);
    if (r < 0)
        return native_pl_error(req, res, r);
    return native_pl_respond(req, res, conn, req->params[0], who, 200);
}

int native_playlists_create(HttpRequest *req, HttpResponse *res)
{
    PlaylistUser who;
    json_t *body;
    if (native_pl_user_body(req, res, &who, &body) < 0)
        return 0;
    const char *name, *comment;
    bool is_public = false;
    const char **songs;
    size_t n;
    if (native_pl_string(req, res, body, "name", &name) < 0 ||
        native_pl_string(req, res, body, "comment", &comment) < 0 ||
        native_pl_bool(req, res, body, "public", &is_public, NULL) < 0 ||
        native_pl_strings(req, res, body, "songIds", LIMIT_PLAYLIST_ENTRIES, false, &songs, &n) < 0)
        goto out_body;
    if (!name || !library_playlist_name_valid(name)) {
        native_pl_bad_fields(req, res);
        goto out_body;
    }
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        goto out_body;
    const char *id;
    int r = library_playlist_create(conn, req->arena, &who, name, comment ? comment : "", is_public,
                                    songs, n, &id);
    if (r == -EINVAL)
        native_pl_bad_fields(req, res);
    else if (r == -ENOENT)
        api_error(req, res, 400, "bad_request", "songIds names an unknown song");
    else if (r < 0)
        native_pl_error(req, res, r);
    else
        native_pl_respond(req, res, conn, id, &who, 201);
    db_release(conn);
out_body:
    json_decref(body);
    return 0;
}

int native_playlists_get(HttpRequest *req, HttpResponse *res)
{
    PlaylistUser who;
    int limit;
    if (native_pl_user(req, res, &who) < 0 ||
        api_query_limit(req, res, LIMIT_PAGE_DEFAULT, LIMIT_PAGE_MAX, &limit) < 0)
        return 0;
    const char *id = req->params[0];
    int64_t after_pos = -1;
    const char *after = http_request_query(req, "after");
    if (after && *after) {
        const char *parts[2];
        if (library_cursor_unpack(req->arena, after, 2, parts) < 0 || strcmp(parts[1], id) != 0 ||
            library_cursor_int(parts[0], &after_pos) < 0 || after_pos < 0)
            return api_error(req, res, 400, "bad_request", "malformed cursor in 'after'");
    }
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    Playlist p;
    PlaylistEntry *entries = NULL;
    size_t n = 0;
    bool more = false;
    Song *songs = NULL;
    size_t n_songs = 0;
    LibraryRef *editors = NULL;
    size_t n_editors = 0;
    int r = library_playlist_get(conn, req->arena, id, &who, &p);
    if (r == 0)
        r = library_playlist_entries(conn, req->arena, id, after_pos, limit, &entries, &n, &more);
    if (r == 0 && n > 0) {
        const char **ids = arena_alloc(req->arena, n * sizeof(*ids));
        if (!ids)
            r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < n; i++)
            ids[i] = entries[i].song_id;
        if (r == 0)
            r = library_song_by_ids(conn, req->arena, ids, n, &songs, &n_songs);
    }
    if (r == 0 && p.access == PLAYLIST_ACCESS_OWN)
        r = library_playlist_editors(conn, req->arena, id, &editors, &n_editors);
    db_release(conn);
    if (r < 0)
        return native_pl_error(req, res, r);

    const Principal *pr = api_auth_principal(req);
    json_t *o = native_pl_json(req, &p);
    json_t *a = json_array();
    for (size_t i = 0; o && a && i < n; i++) {
        const Song *s = NULL;
        for (size_t j = 0; j < n_songs && !s; j++) {
            if (strcmp(songs[j].id, entries[i].song_id) == 0 &&
                auth_principal_sees(pr, songs[j].library_id))
                s = &songs[j];
        }
        json_array_append_new(a,
                              json_pack("{s:I, s:o}", "position", (json_int_t)entries[i].position,
                                        "song", s ? native_songs_json(req, s) : json_null()));
    }
    const char *next = NULL;
    if (more && n > 0) {
        const char *parts[2] = {library_cursor_fmt_int(req->arena, entries[n - 1].position), id};
        next = parts[0] ? library_cursor_pack(req->arena, parts, 2) : NULL;
    }
    if (o && a) {
        json_object_set_new(o, "entries", a);
        json_object_set_new(o, "next", next ? json_string(next) : json_null());
        if (p.access == PLAYLIST_ACCESS_OWN) {
            LibraryRefs refs = {editors, n_editors};
            json_object_set_new(o, "editors", native_songs_refs_json(req, &refs));
        }
    } else {
        json_decref(a);
        json_decref(o);
        o = NULL;
    }
    return api_json_respond(req, res, 200, o);
}

int native_playlists_update(HttpRequest *req, HttpResponse *res)
{
    PlaylistUser who;
    json_t *body;
    if (native_pl_user_body(req, res, &who, &body) < 0)
        return 0;
    PlaylistChanges ch = {0};
    bool is_public = false, has_public = false;
    if (native_pl_string(req, res, body, "name", &ch.name) < 0 ||
        native_pl_string(req, res, body, "comment", &ch.comment) < 0 ||
        native_pl_bool(req, res, body, "public", &is_public, &has_public) < 0)
        goto out_body;
    if (has_public)
        ch.is_public = &is_public;
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        goto out_body;
    int r = library_playlist_update(conn, req->params[0], &who, &ch);
    native_pl_changed(req, res, conn, &who, r, NATIVE_PL_BAD_FIELDS);
    db_release(conn);
out_body:
    json_decref(body);
    return 0;
}

int native_playlists_delete(HttpRequest *req, HttpResponse *res)
{
    PlaylistUser who;
    if (native_pl_user(req, res, &who) < 0)
        return 0;
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    const ApiContext *ctx = req->app;
    int r = library_playlist_destroy(conn, req->arena, ctx->data_dir, req->params[0], &who);
    db_release(conn);
    if (r < 0)
        return native_pl_error(req, res, r);
    http_response_status(res, 204);
    return 0;
}

int native_playlists_add(HttpRequest *req, HttpResponse *res)
{
    PlaylistUser who;
    json_t *body;
    if (native_pl_user_body(req, res, &who, &body) < 0)
        return 0;
    const char **songs;
    size_t n;
    int64_t position = -1;
    json_t *pos = json_object_get(body, "position");
    if (native_pl_strings(req, res, body, "songIds", LIMIT_PLAYLIST_ENTRIES, true, &songs, &n) < 0)
        goto out_body;
    if (pos && !json_is_null(pos)) {
        if (!json_is_integer(pos) || json_integer_value(pos) < 0) {
            api_error(req, res, 400, "bad_request", "'position' must be an integer >= 0");
            goto out_body;
        }
        position = (int64_t)json_integer_value(pos);
    }
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        goto out_body;
    int r = library_playlist_add(conn, req->arena, req->params[0], &who, songs, n, position);
    Playlist p;
    /* Tell an unknown song from an invisible playlist. */
    if (r == -ENOENT && library_playlist_get(conn, req->arena, req->params[0], &who, &p) == 0)
        api_error(req, res, 400, "bad_request", "songIds names an unknown song");
    else
        native_pl_changed(req, res, conn, &who, r, "'position' is past the end of the playlist");
    db_release(conn);
out_body:
    json_decref(body);
    return 0;
}

int native_playlists_remove(HttpRequest *req, HttpResponse *res)
{
    PlaylistUser who;
    json_t *body;
    if (native_pl_user_body(req, res, &who, &body) < 0)
        return 0;
    int64_t *positions;
    size_t n;
    if (native_pl_ints(req, res, body, "positions", LIMIT_PLAYLIST_ENTRIES, &positions, &n) < 0)
        goto out_body;
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        goto out_body;
    int r = library_playlist_remove(conn, req->arena, req->params[0], &who, positions, n);
    native_pl_changed(req, res, conn, &who, r, "a position is outside the playlist");
    db_release(conn);
out_body:
    json_decref(body);
    return 0;
}

int native_playlists_move(HttpRequest *req, HttpResponse *res)
{
    PlaylistUser who;
    json_t *body;
    if (native_pl_user_body(req, res, &who, &body) < 0)
        return 0;
    DbConn *conn;
    int r;
    if (json_object_get(body, "order")) {
        int64_t *order;
        size_t n;
        if (native_pl_ints(req, res, body, "order", LIMIT_PLAYLIST_ENTRIES, &order, &n) < 0 ||
            api_conn(req, res, &conn) < 0)
            goto out_body;
        r = library_playlist_reorder(conn, req->arena, req->params[0], &who, order, n);
    } else {
        json_t *from = json_object_get(body, "from");
        json_t *to = json_object_get(body, "to");
        if (!json_is_integer(from) || !json_is_integer(to)) {
            api_error(req, res, 400, "bad_request",
                      "expected {\"from\":n,\"to\":n} or {\"order\":[...]}");
            goto out_body;
        }
        if (api_conn(req, res, &conn) < 0)
            goto out_body;
        r = library_playlist_move(conn, req->arena, req->params[0], &who,
                                  (int64_t)json_integer_value(from),
                                  (int64_t)json_integer_value(to));
    }
    native_pl_changed(req, res, conn, &who, r,
                      "positions must lie in the playlist; 'order' must list each position once");
    db_release(conn);
out_body:
    json_decref(body);
    return 0;
}

int native_playlists_editors(HttpRequest *req, HttpResponse *res)
{
    PlaylistUser who;
    json_t *body;
    if (native_pl_user_body(req, res, &who, &body) < 0)
        return 0;
    const char **users;
    size_t n;
    bool by_name = json_object_get(body, "usernames") != NULL;
    if (native_pl_strings(req, res, body, by_name ? "usernames" : "userIds", LIMIT_PLAYLIST_EDITORS,
                          true, &users, &n) < 0)
        goto out_body;
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        goto out_body;
    LibraryRef *refs = NULL;
    size_t n_refs = 0;
    int r = library_playlist_set_editors(conn, req->params[0], &who, users, n, by_name);
    if (r == 0)
        r = library_playlist_editors(conn, req->arena, req->params[0], &refs, &n_refs);
    db_release(conn);
    if (r == -EINVAL)
        api_error(req, res, 400, "bad_request", "an unknown user in userIds / usernames");
    else if (r == ERR_LIMIT)
        api_error(req, res, 400, "limit_exceeded", "at most 64 editors");
    else if (r < 0)
        native_pl_error(req, res, r);
    else {
        LibraryRefs list = {refs, n_refs};
        api_json_respond(req, res, 200,
                         json_pack("{s:o}", "editors", native_songs_refs_json(req, &list)));
    }
out_body:
    json_decref(body);
    return 0;
}

static const char *native_pl_reason(PlaylistMatchKind k)
{
    switch (k) {
    case PLAYLIST_MATCH_OUTSIDE:
        return "outside_library";
    case PLAYLIST_MATCH_URL:
        return "url";
    default:
        return "not_found";
    }
}

int native_playlists_import(HttpRequest *req, HttpResponse *res)
{
    PlaylistUser who;
    if (native_pl_user(req, res, &who) < 0)
        return 0;
    const char *ct = http_request_header(req, "Content-Type");
    json_t *body = NULL;
    const char *name = http_request_query(req, "name");
    const char *comment = NULL;
    bool is_public = false;
    const char *text = req->body ? req->body : "";
    size_t text_len = req->body ? req->body_len : 0;
    if (ct && str_has_prefix(ct, "application/json")) {
        if (api_body_object(req, res, &body) < 0)
            return 0;
        json_t *m = json_object_get(body, "m3u");
        if (native_pl_string(req, res, body, "name", &name) < 0 ||
            native_pl_string(req, res, body, "comment", &comment) < 0 ||
            native_pl_bool(req, res, body, "public", &is_public, NULL) < 0)
            goto out_body;
        if (!json_is_string(m)) {
            api_error(req, res, 400, "bad_request", "'m3u' must be the playlist text");
            goto out_body;
        }
        text = json_string_value(m);
        text_len = json_string_length(m);
    }
    if (!name || !*name)
        name = NATIVE_PL_IMPORT_NAME;
    if (!library_playlist_name_valid(name)) {
        native_pl_bad_fields(req, res);
        goto out_body;
    }
    M3u m3u;
    int r = library_m3u_parse(req->arena, text, text_len, &m3u);
    if (r == ERR_LIMIT) {
        api_error(req, res, 400, "limit_exceeded",
                  "at most 20000 lines (LIMIT_M3U_LINES) of at most 4096 bytes");
        goto out_body;
    }
    if (r < 0) {
        if (r == ERR_PARSE)
            api_error(req, res, 400, "bad_request", "not an M3U playlist");
        else
            api_error_from(req, res, r);
        goto out_body;
    }
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        goto out_body;
    PlaylistMatch *matches = NULL;
    const char **ids = arena_alloc(req->arena, (m3u.n + 1) * sizeof(*ids));
    size_t n_ids = 0;
    const char *id = NULL;
    Playlist p;
    r = ids ? library_playlist_resolve(conn, req->arena, &who, &m3u, &matches) : -ENOMEM;
    for (size_t i = 0; r == 0 && i < m3u.n; i++) {
        if (matches[i].kind == PLAYLIST_MATCH_OK)
            ids[n_ids++] = matches[i].song_id;
    }
    if (r == 0)
        r = library_playlist_create(conn, req->arena, &who, name, comment ? comment : "", is_public,
                                    ids, n_ids, &id);
    if (r == 0)
        r = library_playlist_get(conn, req->arena, id, &who, &p);
    db_release(conn);
    if (r == -EINVAL) {
        native_pl_bad_fields(req, res);
        goto out_body;
    }
    if (r < 0) {
        native_pl_error(req, res, r);
        goto out_body;
    }
    json_t *unmatched = json_array();
    for (size_t i = 0; unmatched && i < m3u.n; i++) {
        if (matches[i].kind == PLAYLIST_MATCH_OK)
            continue;
        json_array_append_new(unmatched,
                              json_pack("{s:I, s:o, s:s}", "line", (json_int_t)m3u.entries[i].line,
                                        "path", api_json_string(req, m3u.entries[i].path), "reason",
                                        native_pl_reason(matches[i].kind)));
    }
    api_json_respond(req, res, 201,
                     unmatched ? json_pack("{s:o, s:I, s:o}", "playlist", native_pl_json(req, &p),
                                           "matched", (json_int_t)n_ids, "unmatched", unmatched)
                               : NULL);
out_body:
    json_decref(body);
    return 0;
}

/* The caller, a borrowed connection and the playlist of the route's {id} it may read.
 * Answers errors itself; on success the caller releases *ret_conn. */
static int native_pl_read(HttpRequest *req, HttpResponse *res, PlaylistUser *who, DbConn **ret_conn,
                          Playlist *ret_pl)
{
    int r = native_pl_user(req, res, who);
    if (r < 0 || (r = api_conn(req, res, ret_conn)) < 0)
        return r;
    r = library_playlist_get(*ret_conn, req->arena, req->params[0], who, ret_pl);
    if (r < 0) {
        db_release(*ret_conn);
        native_pl_error(req, res, r);
    }
    return r;
}

int native_playlists_export(HttpRequest *req, HttpResponse *res)
{
    PlaylistUser who;
    DbConn *conn;
    Playlist p;
    if (native_pl_read(req, res, &who, &conn, &p) < 0)
        return 0;
    PlaylistTrack *tracks = NULL;
    size_t n = 0;
    int r = library_playlist_tracks(conn, req->arena, req->params[0], &who, &tracks, &n);
    db_release(conn);
    if (r < 0)
        return native_pl_error(req, res, r);
    Buf out;
    buf_init(&out, NATIVE_PL_EXPORT_MAX);
    r = buf_append_str(&out, "#EXTM3U\n");
    if (r == 0)
        r = buf_printf(&out, "#PLAYLIST:%s\n", p.name);
    for (size_t i = 0; r == 0 && i < n; i++) {
        const char *title = arena_printf(req->arena, "%s - %s", tracks[i].artist, tracks[i].title);
        r = title ? library_m3u_append(&out, tracks[i].duration_ms, title, tracks[i].path)
                  : -ENOMEM;
    }
    char *copy = r == 0 ? arena_alloc(req->arena, out.len + 1) : NULL;
    if (copy)
        memcpy(copy, out.data, out.len + 1);
    size_t len = out.len;
    buf_free(&out);
    if (!copy)
        return api_error_from(req, res, r < 0 ? r : -ENOMEM);
    const char *disp = arena_printf(req->arena, "attachment; filename=\"playlist-%s.m3u8\"", p.id);
    if (disp)
        http_response_header(res, "Content-Disposition", disp);
    http_response_header(res, "Cache-Control", "private, no-cache");
    r = http_response_body(res, "audio/x-mpegurl", copy, len);
    return r < 0 ? api_error_from(req, res, r) : 0;
}

/* Answers with an image made by libvips (copied into the arena and freed). */
static int native_pl_image(HttpRequest *req, HttpResponse *res, void *img, size_t len)
{
    void *copy = arena_alloc(req->arena, len);
    if (copy)
        memcpy(copy, img, len);
    media_image_free(img);
    if (!copy)
        return api_error_from(req, res, -ENOMEM);
    http_response_header(res, "Cache-Control", "private, no-cache");
    int r = http_response_body(res, media_image_content_type(MEDIA_IMAGE_JPEG), copy, len);
    return r < 0 ? api_error_from(req, res, r) : 0;
}

/* Answers with an fd (taken) of `len` bytes of JPEG. */
static int native_pl_image_fd(HttpRequest *req, HttpResponse *res, int fd, uint64_t len)
{
    http_response_header(res, "Cache-Control", "private, no-cache");
    int r = http_response_fd(res, media_image_content_type(MEDIA_IMAGE_JPEG), fd, 0, len);
    return r < 0 ? api_error_from(req, res, r) : 0;
}

/* The 2x2 grid of four album covers, or -ENOENT when one cannot be had. */
static int native_pl_grid(HttpRequest *req, HttpResponse *res, DbConn *conn,
                          const char *const *cover_ids, int edge)
{
    const ApiContext *ctx = req->app;
    const void *data[MEDIA_GRID_TILES];
    size_t len[MEDIA_GRID_TILES];
    int tile = library_cover_snap(edge / 2);
    for (int i = 0; i < MEDIA_GRID_TILES; i++) {
        LibraryCover c;
        int fd;
        uint64_t flen;
        void *buf;
        int r = library_cover_get(conn, req->arena, cover_ids[i], &c);
        if (r == 0)
            r = library_cover_open(ctx->data_dir, &c, tile, MEDIA_IMAGE_JPEG, &fd, &flen);
        if (r < 0)
            return -ENOENT;
        r = file_read_all(fd, LIMIT_PICTURE_BYTES, req->arena, &buf, &len[i]);
        close(fd);
        if (r < 0)
            return -ENOENT;
        data[i] = buf;
    }
    void *img;
    size_t img_len;
    if (media_grid_compose(data, len, edge, MEDIA_IMAGE_JPEG, &img, &img_len) < 0)
        return -ENOENT;
    return native_pl_image(req, res, img, img_len);
}

int native_playlists_cover_respond(HttpRequest *req, HttpResponse *res, const PlaylistUser *who,
                                   const char *id, int64_t want)
{
    const ApiContext *ctx = req->app;
    int edge = library_cover_snap(want);
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    Playlist p;
    int r = library_playlist_get(conn, req->arena, id, who, &p);
    if (r < 0) {
        db_release(conn);
        return r;
    }
    if (p.image_path) {
        db_release(conn);
        void *data;
        size_t len;
        void *img;
        size_t img_len;
        r = library_playlist_image_read(req->arena, ctx->data_dir, &p, LIMIT_PICTURE_BYTES, &data,
                                        &len);
        if (r == 0 && media_image_thumbnail(data, len, edge, MEDIA_IMAGE_JPEG, &img, &img_len) == 0)
            return native_pl_image(req, res, img, img_len);
        goto placeholder;
    }
    const char **ids;
    size_t n;
    r = library_playlist_cover_ids(conn, req->arena, id, MEDIA_GRID_TILES, &ids, &n);
    if (r == 0 && n == MEDIA_GRID_TILES) {
        r = native_pl_grid(req, res, conn, ids, edge);
        if (r == 0) {
            db_release(conn);
            return 0;
        }
    } else if (r == 0 && n > 0) {
        LibraryCover c;
        int fd;
        uint64_t len;
        r = library_cover_get(conn, req->arena, ids[0], &c);
        if (r == 0 &&
            library_cover_open(ctx->data_dir, &c, edge, MEDIA_IMAGE_JPEG, &fd, &len) == 0) {
            db_release(conn);
            return native_pl_image_fd(req, res, fd, len);
        }
    }
    db_release(conn);
placeholder:;
    int fd;
    uint64_t len;
    r = library_cover_placeholder_open(ctx->data_dir, edge, MEDIA_IMAGE_JPEG, &fd, &len);
    if (r < 0)
        return api_error_from(req, res, r);
    return native_pl_image_fd(req, res, fd, len);
}

int native_playlists_cover_get(HttpRequest *req, HttpResponse *res)
{
    PlaylistUser who;
    if (native_pl_user(req, res, &who) < 0)
        return 0;
    int64_t want = NATIVE_PL_COVER_EDGE_DEFAULT;
    const char *s = http_request_query(req, "size");
    if (s && str_to_int64(s, 1, INT64_MAX, &want) < 0)
        return api_error(req, res, 400, "bad_request", "size must be a positive integer");
    int r = native_playlists_cover_respond(req, res, &who, req->params[0], want);
    return r < 0 ? native_pl_error(req, res, r) : 0;
}

int native_playlists_cover_put(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    PlaylistUser who;
    if (native_pl_user(req, res, &who) < 0)
        return 0;
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    Playlist p;
    int r = library_playlist_get(conn, req->arena, req->params[0], &who, &p);
    if (r == 0 && p.access != PLAYLIST_ACCESS_OWN)
        r = ERR_FORBIDDEN;
    if (r < 0) {
        db_release(conn);
        return native_pl_error(req, res, r);
    }
    if (!req->body || req->body_len == 0 || req->body_len > LIMIT_PLAYLIST_COVER_BYTES) {
        db_release(conn);
        return api_error(req, res, req->body_len ? 413 : 400,
                         req->body_len ? "payload_too_large" : "bad_request",
                         "send a JPEG, PNG, WebP or GIF image of at most 1 MiB");
    }
    void *img;
    size_t img_len;
    r = media_image_thumbnail(req->body, req->body_len, LIMIT_COVER_SIZE_MAX, MEDIA_IMAGE_JPEG,
                              &img, &img_len);
    if (r < 0) {
        db_release(conn);
        if (r == ERR_PARSE || r == ERR_LIMIT || r == ERR_MEDIA)
            return api_error(req, res, 400, "bad_image",
                             "not a JPEG, PNG, WebP or GIF image we can read");
        return api_error_from(req, res, r);
    }
    r = library_playlist_image_store(conn, ctx->data_dir, p.id, &who, img, img_len);
    media_image_free(img);
    if (r < 0) {
        db_release(conn);
        return native_pl_error(req, res, r);
    }
    native_pl_respond(req, res, conn, p.id, &who, 200);
    db_release(conn);
    return 0;
}

/* Collects the visible songs of playlist `id` in order (missing ones left out), reading the
 * entries a page at a time. Returns 0 or an error. Arena-owned array. */
static int native_pl_songs(HttpRequest *req, DbConn *conn, const char *id, Song **ret_songs,
                           size_t *ret_n)
{
    Song *all = arena_calloc(req->arena, LIMIT_PLAYLIST_ENTRIES, sizeof(*all));
    const char **ids = arena_calloc(req->arena, LIMIT_PAGE_MAX, sizeof(*ids));
    if (!all || !ids)
        return -ENOMEM;
    size_t n = 0;
    int64_t after = -1;
    for (bool more = true; more;) {
        PlaylistEntry *e;
        size_t ne;
        int r =
            library_playlist_entries(conn, req->arena, id, after, LIMIT_PAGE_MAX, &e, &ne, &more);
        if (r < 0)
            return r;
        for (size_t i = 0; i < ne; i++)
            ids[i] = e[i].song_id;
        Song *songs;
        size_t ns;
        r = library_song_by_ids_scoped(conn, req->arena, native_users_scope(req), ids, ne, &songs,
                                       &ns);
        if (r < 0)
            return r;
        for (size_t i = 0; i < ns && n < LIMIT_PLAYLIST_ENTRIES; i++)
            all[n++] = songs[i];
        if (ne == 0)
            break;
        after = e[ne - 1].position;
    }
    *ret_songs = all;
    *ret_n = n;
    return 0;
}

int native_playlists_download(HttpRequest *req, HttpResponse *res)
{
    const Principal *who_p = api_auth_principal(req);
    if (who_p && !who_p->may_download)
        return api_error(req, res, 403, "forbidden", "this account may not download");
    PlaylistUser who;
    DbConn *conn;
    Playlist pl;
    if (native_pl_read(req, res, &who, &conn, &pl) < 0)
        return 0;
    Song *songs = NULL;
    size_t n = 0;
    int r = native_pl_songs(req, conn, req->params[0], &songs, &n);
    db_release(conn);
    if (r < 0)
        return native_pl_error(req, res, r);
    return api_zip_respond(req, res, pl.name, songs, n, true);
}
