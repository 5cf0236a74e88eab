/*
 * native_songs.h - /api/songs: list (keyset paged), one song, and its original file.
 * Any server thread.
 */
#ifndef SWAZ_NATIVE_SONGS_H
#define SWAZ_NATIVE_SONGS_H

#include "http/http_request.h"

/* GET /api/songs?limit=&after= -> {"items":[...],"next":cursor|null}. */
int native_songs_list(HttpRequest *req, HttpResponse *res);

/* GET /api/songs/{id} -> the song, or 404. */
int native_songs_get(HttpRequest *req, HttpResponse *res);

/* GET|HEAD /api/songs/{id}/stream -> the original file with Range support. */
int native_songs_stream(HttpRequest *req, HttpResponse *res);

#endif
