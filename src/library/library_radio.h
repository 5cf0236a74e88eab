/*
 * library_radio.h - internet radio stations: a name, a stream URL the client plays itself
 * and an optional home page, shared by every user (administrators decide who may change
 * them; this module does not).
 *
 * URLs are http or https only, with a host, at most LIMIT_RADIO_URL_BYTES, no spaces or
 * control characters; names 1..LIMIT_RADIO_NAME_BYTES of UTF-8 without control characters;
 * at most LIMIT_RADIO_STATIONS stations. Ids are opaque random strings. Strings returned
 * are Arena-owned. Any thread, each with its own DbConn.
 */
#ifndef SWAZ_LIBRARY_RADIO_H
#define SWAZ_LIBRARY_RADIO_H

#include "core/arena.h"
#include "db/db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct RadioStation {
    const char *id;
    const char *name;
    const char *stream_url;
    const char *home_page_url; /* "" when none */
} RadioStation;

/* True if `url` is an acceptable station URL (see above). */
bool library_radio_url_valid(const char *url);

/* True if `name` is an acceptable station name. */
bool library_radio_name_valid(const char *name);

/* Lists every station by name, id. Returns 0 or ERR_DB. Arena-owned array. */
int library_radio_list(DbConn *conn, Arena *arena, RadioStation **ret_items, size_t *ret_count);

/* Adds a station (`home_page_url` NULL or "" for none) at time `now` and writes its id.
 * Returns 0, -EINVAL (bad name or URL), ERR_LIMIT (LIMIT_RADIO_STATIONS reached) or ERR_DB. */
int library_radio_create(DbConn *conn, Arena *arena, const char *name, const char *stream_url,
                         const char *home_page_url, int64_t now, const char **ret_id);

/* Replaces name, stream URL and home page of station `id`. Returns 0, -EINVAL, -ENOENT or
 * ERR_DB. */
int library_radio_update(DbConn *conn, const char *id, const char *name, const char *stream_url,
                         const char *home_page_url, int64_t now);

/* Deletes station `id`. Returns 0, -ENOENT or ERR_DB. */
int library_radio_delete(DbConn *conn, const char *id);

#endif
