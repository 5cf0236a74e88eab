/*
 * subsonic_playlists.h - the playlist methods of the Subsonic API: getPlaylists,
 * getPlaylist, createPlaylist (create, or replace the songs of playlistId), updatePlaylist,
 * deletePlaylist, over library/library_playlist.h, which decides who may read and change
 * what. Any server thread.
 */
#ifndef SWAZ_SUBSONIC_PLAYLISTS_H
#define SWAZ_SUBSONIC_PLAYLISTS_H

#include "api/subsonic/subsonic.h"
#include "library/library_playlist.h"

/* What a playlist's coverArt holds before its id. */
#define SUBSONIC_PLAYLISTS_COVER_PREFIX "pl-"

/* Fills `who` (borrowing from `p`) for library_playlist_* calls made for principal `p`. */
void subsonic_playlists_who(const Principal *p, PlaylistUser *who);

/* getPlaylists[?username=]: the playlists the caller (or, for an administrator, the named
 * user) may read. Returns 0 or an error for the dispatcher. */
int subsonic_playlists_list(SubsonicCall *call);

/* getPlaylist?id=: one playlist with its songs as entry items. Returns as above. */
int subsonic_playlists_get(SubsonicCall *call);

/* createPlaylist?name=&songId=... creates; ?playlistId=&songId=... replaces the songs (and
 * the name when given). Answers the playlist. Returns as above. */
int subsonic_playlists_create(SubsonicCall *call);

/* updatePlaylist?playlistId=&name=&comment=&public=&songIndexToRemove=...&songIdToAdd=...
 * removes first, then appends. Returns as above. */
int subsonic_playlists_update(SubsonicCall *call);

/* deletePlaylist?id=: the owner deletes it. Returns as above. */
int subsonic_playlists_delete(SubsonicCall *call);

#endif
