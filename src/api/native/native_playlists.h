/*
 * native_playlists.h - /api/playlists: list, create, read (entries paged by position),
 * change, delete; add, remove, move and reorder entries; editors; M3U import and export;
 * covers (uploaded, or a 2x2 grid of album covers). Every route is API_USER; who may do what
 * is in library_playlist.h and docs/api.md. Any server thread.
 */
#ifndef SWAZ_NATIVE_PLAYLISTS_H
#define SWAZ_NATIVE_PLAYLISTS_H

#include "http/http_request.h"
#include "library/library_playlist.h"

/* GET /api/playlists?limit=&after= -> own, edited and public playlists by name. */
int native_playlists_list(HttpRequest *req, HttpResponse *res);

/* POST /api/playlists {name, comment?, public?, songIds?} -> 201 and the playlist. */
int native_playlists_create(HttpRequest *req, HttpResponse *res);

/* GET /api/playlists/{id}?limit=&after= -> the playlist with a page of entries. */
int native_playlists_get(HttpRequest *req, HttpResponse *res);

/* PATCH /api/playlists/{id} {name?, comment?, public?} (owner) -> the playlist. */
int native_playlists_update(HttpRequest *req, HttpResponse *res);

/* DELETE /api/playlists/{id} (owner) -> 204. */
int native_playlists_delete(HttpRequest *req, HttpResponse *res);

/* POST /api/playlists/{id}/entries {songIds, position?} (owner, editor) -> the playlist. */
int native_playlists_add(HttpRequest *req, HttpResponse *res);

/* DELETE /api/playlists/{id}/entries {positions} (owner, editor) -> the playlist. */
int native_playlists_remove(HttpRequest *req, HttpResponse *res);

/* POST /api/playlists/{id}/move {from, to} or {order} (owner, editor) -> the playlist. */
int native_playlists_move(HttpRequest *req, HttpResponse *res);

/* PUT /api/playlists/{id}/editors {userIds} or {usernames} (owner) -> {"editors":[{id,name}]}. */
int native_playlists_editors(HttpRequest *req, HttpResponse *res);

/* POST /api/playlists/import (text/plain M3U, or JSON {name, m3u, comment?, public?})
 * -> 201 {"playlist", "matched", "unmatched":[{line, path, reason}]}. */
int native_playlists_import(HttpRequest *req, HttpResponse *res);

/* GET /api/playlists/{id}/m3u -> M3U8 (audio/x-mpegurl), paths relative to the library. */
int native_playlists_export(HttpRequest *req, HttpResponse *res);

/* GET /api/playlists/{id}/download -> a ZIP of the playlist's files in order ("001 - name",
 * stored, made on the fly; songs the caller cannot see left out); 403 without
 * may_download, 404 for a playlist the caller may not read, 429 when too many archives are
 * being made. */
int native_playlists_download(HttpRequest *req, HttpResponse *res);

/* GET /api/playlists/{id}/cover?size= -> JPEG: uploaded, grid of album covers, placeholder. */
int native_playlists_cover_get(HttpRequest *req, HttpResponse *res);

/* Answers the cover of playlist `id` as `who` may read it, `want` px snapped like
 * /api/covers (the uploaded image, else a 2x2 grid or the first album cover of its entries,
 * else the placeholder; JPEG). Takes a DbConn of its own. Returns 0 once answered (also with
 * an error response), or -ENOENT / ERR_DB with nothing answered when the playlist cannot be
 * read. */
int native_playlists_cover_respond(HttpRequest *req, HttpResponse *res, const PlaylistUser *who,
                                   const char *id, int64_t want);

/* PUT /api/playlists/{id}/cover (owner; an image body) -> the playlist. */
int native_playlists_cover_put(HttpRequest *req, HttpResponse *res);

#endif
