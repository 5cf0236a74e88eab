/*
 * native_songs.h - /api/songs: list (keyset paged), one song, its lyrics and its original
 * file; and the song JSON every other endpoint that lists songs uses. Any server thread.
 */
#ifndef SWAZ_NATIVE_SONGS_H
#define SWAZ_NATIVE_SONGS_H

#include "api/api_json.h"
#include "http/http_request.h"
#include "library/library_song.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* GET /api/songs?limit=&after= -> {"items":[...],"next":cursor|null}. */
int native_songs_list(HttpRequest *req, HttpResponse *res);

/* GET /api/songs/{id} -> the song, or 404. */
int native_songs_get(HttpRequest *req, HttpResponse *res);

/* GET /api/songs/{id}/lyrics -> {"synced":bool,"lines":[{"startMs":n|null,"text":s}]}. */
int native_songs_lyrics(HttpRequest *req, HttpResponse *res);

/* Writes the JSON object of a song (with its related rows) under `key` (NULL: an array
 * element or the whole answer). */
void native_songs_write(ApiJson *w, const char *key, const Song *s);

/* The members of native_songs_write()'s object alone, for a caller that opened the object and
 * adds members of its own before closing it. */
void native_songs_write_fields(ApiJson *w, const Song *s);

/* Writes a JSON array of {"id","name"} for `refs` under `key`. */
void native_songs_write_refs(ApiJson *w, const char *key, const LibraryRefs *refs);

/* The same as jansson values, for answers assembled from json_t pieces: NULL when out of
 * memory. New reference. */
json_t *native_songs_json(HttpRequest *req, const Song *s);
json_t *native_songs_refs_json(HttpRequest *req, const LibraryRefs *refs);

/* Answers `song` as its original file (Range, conditional requests; X-Accel-Redirect behind a
 * trusted proxy) or, when `format` ("mp3", "opus", "aac", "m4a", "flac"; "raw" or NULL: the
 * original) or `kbps` (0: none; capped by the user's maximum) ask for it, or when `offset_s`
 * seeks into an original, as a transcode starting `offset_s` seconds in (from the transcode
 * cache when it holds it, else live); with `estimate_length` a live transcode to a bitrate
 * carries an estimated Content-Length (padded or cut to it) instead of a chunked body. Returns
 * 0 with the response set, or without answering: -ENOENT (the file is gone), -EMFILE (out of
 * descriptors; Retry-After is set), -EINVAL (an unknown format), ERR_UNSUPPORTED (no
 * transcoder), ERR_LIMIT (too many transcodes; Retry-After is set) or -ENOMEM. Shared by /api/
 * and /rest/. */
int native_songs_deliver(HttpRequest *req, HttpResponse *res, const Song *song, const char *format,
                         int64_t kbps, int64_t offset_s, bool estimate_length);

/* GET|HEAD /api/songs/{id}/stream -> the original file with Range support. */
int native_songs_stream(HttpRequest *req, HttpResponse *res);

/* GET /api/songs/{id}/download -> the original file as an attachment named like it (Range
 * and conditional requests as for stream); 403 without may_download. */
int native_songs_download(HttpRequest *req, HttpResponse *res);

#endif
