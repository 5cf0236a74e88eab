/*
 * subsonic_lists.h - Subsonic lists: getAlbumList / getAlbumList2 (every type), getRandomSongs,
 * getSongsByGenre, getNowPlaying, getStarred / getStarred2. Handlers return 0,
 * SUBSONIC_FAILED or a negative library error. Any server thread.
 */
#ifndef SWAZ_SUBSONIC_LISTS_H
#define SWAZ_SUBSONIC_LISTS_H

#include "api/subsonic/subsonic.h"

/* getAlbumList type=random|newest|highest|frequent|recent|alphabeticalByName|
 * alphabeticalByArtist|starred|byYear|byGenre &size&offset&fromYear&toYear&genre
 * &musicFolderId: albums as directory children (albumList) or AlbumID3 (albumList2). */
int subsonic_lists_album_list(SubsonicCall *call);
int subsonic_lists_album_list2(SubsonicCall *call);

/* getRandomSongs size&genre&fromYear&toYear&musicFolderId. */
int subsonic_lists_random_songs(SubsonicCall *call);

/* getSongsByGenre genre&count&offset&musicFolderId, by title. */
int subsonic_lists_songs_by_genre(SubsonicCall *call);

/* getNowPlaying: the caller's devices (every user's with now_playing_visible). */
int subsonic_lists_now_playing(SubsonicCall *call);

/* getStarred / getStarred2 musicFolderId: the caller's starred artists, albums and songs,
 * newest first. */
int subsonic_lists_starred(SubsonicCall *call);
int subsonic_lists_starred2(SubsonicCall *call);

#endif
