/*
 * subsonic_entries.h - the songs inside the answers of playlists, bookmarks, play queues and
 * shares, written as Subsonic Child items, and the ISO 8601 times those answers carry.
 *
 * A small writer of the core Child fields (plus mediaType, bitDepth, samplingRate and
 * channelCount for OpenSubsonic clients); its song function has the shape of the general
 * item writer so that the two can be exchanged. Any server thread; nodes live in the request
 * arena.
 */
#ifndef SWAZ_SUBSONIC_ENTRIES_H
#define SWAZ_SUBSONIC_ENTRIES_H

#include "api/subsonic/subsonic.h"
#include "library/library_scope.h"
#include "library/library_song.h"

#include <stddef.h>
#include <stdint.h>

/* Returns the libraries the caller may see (borrowed from the request; never NULL). */
const LibraryScope *subsonic_entries_scope(const SubsonicCall *call);

/* Adds `n` songs as Child items named `elem` under `parent`. When `ret_nodes` is not NULL it
 * receives the n nodes (Arena-owned array). Returns 0 or -ENOMEM. */
int subsonic_entries_songs(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                           const Song *songs, size_t n, SubsonicNode ***ret_nodes);

/* Loads the `n` songs `ids` (in order, repeats kept, songs the caller cannot see left out)
 * and adds them as Child items named `elem` under `parent`. Returns 0, -ENOMEM or ERR_DB. */
int subsonic_entries_ids(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                         const char *const *ids, size_t n);

/* Adds `key` as an ISO 8601 UTC time ("2024-05-01T12:00:00Z"); nothing when `unix_s` <= 0. */
void subsonic_entries_time(SubsonicCall *call, SubsonicNode *node, const char *key, int64_t unix_s);

#endif
