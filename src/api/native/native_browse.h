/*
 * native_browse.h - the browsing endpoints of the native JSON API: artists, albums (list
 * orders), genres, years and music folders; and the artist/album JSON that search reuses.
 * Every list answers {"items":[...],"next":cursor|null}. Any server thread.
 */
#ifndef SWAZ_NATIVE_BROWSE_H
#define SWAZ_NATIVE_BROWSE_H

#include "api/api_json.h"
#include "http/http_request.h"
#include "library/library_browse.h"

#include <jansson.h>

/* GET /api/artists?limit=&after= -> artists by name. */
int native_browse_artists(HttpRequest *req, HttpResponse *res);

/* GET /api/artists/{id} -> the artist with "albums" (where it is an album artist), or 404. */
int native_browse_artist(HttpRequest *req, HttpResponse *res);

/* GET /api/albums?list=&from=&to=&genre=&limit=&after= -> albums in the list's order. */
int native_browse_albums(HttpRequest *req, HttpResponse *res);

/* GET /api/albums/{id} -> the album with "songs" by disc and track, or 404. */
int native_browse_album(HttpRequest *req, HttpResponse *res);

/* GET /api/albums/{id}/download -> a ZIP of the album's files (stored, made on the fly, named
 * by file); 403 without may_download, 429 when too many archives are being made. */
int native_browse_album_download(HttpRequest *req, HttpResponse *res);

/* GET /api/genres?limit=&after= -> genres by name with song and album counts. */
int native_browse_genres(HttpRequest *req, HttpResponse *res);

/* GET /api/years -> decades with album counts and their years. */
int native_browse_years(HttpRequest *req, HttpResponse *res);

/* GET /api/folders -> the music folders (each library's root folder). */
int native_browse_folders(HttpRequest *req, HttpResponse *res);

/* GET /api/folders/{id}?limit=&after= -> the folder and its subfolders, then its songs. */
int native_browse_folder(HttpRequest *req, HttpResponse *res);

/* Writes an artist / album as an array element of `w` (text or tree mode). */
void native_browse_write_artist(ApiJson *w, const Artist *a);
void native_browse_write_album(ApiJson *w, const Album *a);

/* An artist / album as jansson values: NULL when out of memory. New reference. */
json_t *native_browse_artist_json(HttpRequest *req, const Artist *a);
json_t *native_browse_album_json(HttpRequest *req, const Album *a);

#endif
