/*
 * native_covers.h - /api/covers/{id}: a cover resized to a fixed edge, as WebP or JPEG.
 *
 * Edges snap to 64/128/256/512/1024 (default 512); the format follows Accept (image/webp
 * when the client takes it, else JPEG; Vary: Accept). A real cover carries a strong ETag
 * holding its source version and is cached for a year as immutable; an unknown id, a gone
 * or undecodable source or a refused image gets a placeholder picture (cached an hour), never
 * an error page. Any server thread.
 */
#ifndef SWAZ_NATIVE_COVERS_H
#define SWAZ_NATIVE_COVERS_H

#include "http/http_request.h"

#include <stdint.h>

/* GET|HEAD /api/covers/{id}?size=N -> 200 image (or 304); 400 for a size that is not a
 * positive integer; 503 when the database is unavailable. Returns 0. */
int native_covers_get(HttpRequest *req, HttpResponse *res);

/* Answers the cover `id` at an edge snapped from `want` pixels (as native_covers_get does,
 * placeholder included); shared with the Subsonic getCoverArt. Returns 0. */
int native_covers_respond(HttpRequest *req, HttpResponse *res, const char *id, int64_t want);

#endif
