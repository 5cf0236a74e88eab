/*
 * library_song.h - songs as the APIs see them: fetch one, list them by keyset.
 *
 * Lists are ordered by (sort_title, id) and paged with an opaque cursor naming the last row
 * seen, so the last page costs what the first does. Songs marked missing are invisible.
 * Strings are Arena-owned. Any thread, each with its own DbConn.
 */
#ifndef SWAZ_LIBRARY_SONG_H
#define SWAZ_LIBRARY_SONG_H

#include "core/arena.h"
#include "db/db.h"

#include <stddef.h>
#include <stdint.h>

typedef struct Song {
    const char *id;
    int64_t library_id;
    const char *path;      /* relative to its music folder */
    const char *full_path; /* music folder + "/" + path */
    int64_t size;
    int64_t mtime;
    const char *format;
    const char *codec;
    int64_t duration_ms;
    int64_t bitrate;
    int64_t sample_rate;
    int64_t channels;
    const char *title;
    const char *artist;
    const char *album;
    const char *album_artist;
    const char *genre;
    int64_t track; /* 0 when unknown */
    int64_t disc;  /* 0 when unknown */
    int64_t year;  /* 0 when unknown */
    const char *artist_id;
    const char *album_id;
} Song;

/* Fetches the song `id`. Returns 0, -ENOENT (no such visible song, or a malformed id) or
 * ERR_DB. Strings Arena-owned. */
int library_song_get(DbConn *conn, Arena *arena, const char *id, Song *ret_song);

/* Lists up to `limit` (1..LIMIT_PAGE_MAX) songs after `cursor` (NULL: from the start).
 * Writes an Arena-owned array to *ret_songs, its length to *ret_count and the cursor of the
 * next page to *ret_next (NULL on the last page). Returns 0, -EINVAL (bad limit),
 * ERR_PARSE (malformed cursor) or ERR_DB. */
int library_song_list(DbConn *conn, Arena *arena, const char *cursor, int limit, Song **ret_songs,
                      size_t *ret_count, const char **ret_next);

/* Encodes a keyset position as an opaque cursor. Returns an Arena-owned string or NULL. */
const char *library_cursor_encode(Arena *arena, const char *sort_key, const char *id);

/* Decodes a cursor made by library_cursor_encode(). Returns 0 or ERR_PARSE. Strings are
 * Arena-owned. */
int library_cursor_decode(Arena *arena, const char *cursor, const char **ret_sort_key,
                          const char **ret_id);

#endif
