/*
 * native_songs.h - /api/songs: list (keyset paged), one song, its lyrics and its original
 * file; and the song JSON every other endpoint that lists songs uses. Any server thread.
 */
#ifndef SWAZ_NATIVE_SONGS_H
#define SWAZ_NATIVE_SONGS_H

#include "http/http_request.h"
#include "library/library_song.h"

#include <jansson.h>

/* GET /api/songs?limit=&after= -> {"items":[...],"next":cursor|null}. */
int native_songs_list(HttpRequest *req, HttpResponse *res);

/* GET /api/songs/{id} -> the song, or 404. */
int native_songs_get(HttpRequest *req, HttpResponse *res);

/* GET /api/songs/{id}/lyrics -> {"synced":bool,"lines":[{"startMs":n|null,"text":s}]}. */
int native_songs_lyrics(HttpRequest *req, HttpResponse *res);

/* Returns the JSON of a song (with its related rows), or NULL when out of memory.
 * New reference. */
json_t *native_songs_json(HttpRequest *req, const Song *s);

/* Returns a JSON array of {"id","name"} for `refs`, or NULL. New reference. */
json_t *native_songs_refs_json(HttpRequest *req, const LibraryRefs *refs);

/* GET|HEAD /api/songs/{id}/stream -> the original file with Range support. */
int native_songs_stream(HttpRequest *req, HttpResponse *res);

/* GET /api/songs/{id}/download -> the original file as an attachment named like it (Range
 * and conditional requests as for stream); 403 without may_download. */
int native_songs_download(HttpRequest *req, HttpResponse *res);

#endif
