/*
 * subsonic_items.h - the library objects of Subsonic answers, written one way everywhere:
 * songs as Child, albums as AlbumID3 (or as directory Child), artists as ArtistID3, each with
 * the caller's stars, ratings and play counts and, for OpenSubsonic clients, the
 * OpenSubsonic fields (genres, artists, displayArtist, replayGain, musicBrainzId, ...).
 * Every list answer (browsing, lists, search, playlists, ...) goes through here. Any server
 * thread; nodes live in the request arena.
 */
#ifndef SWAZ_SUBSONIC_ITEMS_H
#define SWAZ_SUBSONIC_ITEMS_H

#include "api/subsonic/subsonic.h"
#include "library/library_browse.h"
#include "library/library_scope.h"
#include "library/library_song.h"

#include <stddef.h>

/* Returns the libraries the caller may see. Arena-owned or static; never NULL. */
const LibraryScope *subsonic_items_scope(const SubsonicCall *call);

/* The caller's scope narrowed to ?musicFolderId= when given, into *ret_scope. Returns 0 or
 * SUBSONIC_FAILED (not a number: 0; a library the caller cannot see: 70). */
int subsonic_items_folder_scope(SubsonicCall *call, const LibraryScope **ret_scope);

/* Adds `n` songs as Child items named `elem` (e.g. "song", "entry", "child") under
 * `parent`. When `ret_nodes` is not NULL it receives the n nodes (an array owned, as the
 * annotations read per row, by the arena of `parent`'s document).
 * Returns 0, -ENOMEM or ERR_DB (the caller's annotations could not be read). */
int subsonic_items_songs(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                         const Song *songs, size_t n, SubsonicNode ***ret_nodes);

/* Adds the songs `ids` (in order, repeats kept, songs the caller cannot see left out) as
 * Child items named `elem` under `parent`, loading LIMIT_PAGE_MAX at a time: the entries of
 * playlists, bookmarks and play queues. Returns 0, -ENOMEM or ERR_DB. */
int subsonic_items_song_ids(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                            const char *const *ids, size_t n);

/* Adds `n` albums as AlbumID3 items named `elem`, or (`as_dir`) as directory Child items
 * (isDir, title, parent = album artist) for the folder-style methods. Returns as above. */
int subsonic_items_albums(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                          const Album *albums, size_t n, bool as_dir, SubsonicNode ***ret_nodes);

/* Adds `n` artists as ArtistID3 items named `elem`. Returns as above. */
int subsonic_items_artists(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                           const Artist *artists, size_t n, SubsonicNode ***ret_nodes);

/* Add one song, album (AlbumID3) or artist (ArtistID3) as the single child `elem` (a JSON
 * object, not an array) of `parent`, e.g. getSong, getAlbum, getArtist; *ret_node (may be
 * NULL) receives its node. Return as above. */
int subsonic_items_song(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                        const Song *song, SubsonicNode **ret_node);
int subsonic_items_album(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                         const Album *album, SubsonicNode **ret_node);
int subsonic_items_artist(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                          const Artist *artist, SubsonicNode **ret_node);

#endif
