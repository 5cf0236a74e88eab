/*
 * api_zip.h - answers a request with a ZIP of song files, made on the fly.
 *
 * A producer thread reads the files one after the other and writes a stored (not deflated)
 * archive through core/zip into a live response: no temp file, memory bounded by the pipe
 * and one read buffer, the CRC computed as the bytes pass. A client that goes away stops
 * the thread at its next write. At most LIMIT_ZIP_DOWNLOADS archives are made at once
 * (429 past that). Called from handlers on server threads.
 */
#ifndef SWAZ_API_ZIP_H
#define SWAZ_API_ZIP_H

#include "http/http_request.h"
#include "library/library_song.h"

#include <stddef.h>

/* Answers 200 with a ZIP (application/zip, Content-Disposition attachment named
 * `name`.zip) holding the files of `songs` in order. Entries are named by `numbered`: false
 * keeps each file's name ("01 - Song.flac", a " (2)" added to repeats), true prefixes its
 * position ("003 - ...", for playlists). Copies what it needs from `songs`. Returns 0;
 * errors are answered (429 with Retry-After when too many archives are being made). */
int api_zip_respond(HttpRequest *req, HttpResponse *res, const char *name, const Song *songs,
                    size_t n, bool numbered);

#endif
