/*
 * subsonic_browse.h - Subsonic browsing: getMusicFolders, getIndexes, getMusicDirectory (real
 * folders, and album / artist ids as Navidrome-style directories), getGenres, getArtists,
 * getArtist, getAlbum, getSong, getArtistInfo/2, getAlbumInfo/2, getSimilarSongs/2 and
 * getTopSongs. Every handler returns 0, SUBSONIC_FAILED or a negative library error. Any
 * server thread.
 */
#ifndef SWAZ_SUBSONIC_BROWSE_H
#define SWAZ_SUBSONIC_BROWSE_H

#include "api/subsonic/subsonic.h"

/* getMusicFolders: one musicFolder {id, name} per visible library. */
int subsonic_browse_folders(SubsonicCall *call);

/* getIndexes: artists by first letter (folder style), optionally of one musicFolderId. */
int subsonic_browse_indexes(SubsonicCall *call);

/* getArtists: the same as ArtistID3, under artists. */
int subsonic_browse_artists(SubsonicCall *call);

/* getMusicDirectory id=folder|album|artist: the directory and its children. */
int subsonic_browse_directory(SubsonicCall *call);

/* getGenres: every visible genre with its song and album counts. */
int subsonic_browse_genres(SubsonicCall *call);

/* getArtist id: ArtistID3 with its albums. */
int subsonic_browse_artist(SubsonicCall *call);

/* getAlbum id: AlbumID3 with its songs. */
int subsonic_browse_album(SubsonicCall *call);

/* getSong id: one Child. */
int subsonic_browse_song(SubsonicCall *call);

/* getArtistInfo / getArtistInfo2 id: what we know (no external sources): an empty
 * biography section, the artist's MusicBrainz id when known. */
int subsonic_browse_artist_info(SubsonicCall *call);
int subsonic_browse_artist_info2(SubsonicCall *call);

/* getAlbumInfo / getAlbumInfo2 id: the album's MusicBrainz id when known. */
int subsonic_browse_album_info(SubsonicCall *call);
int subsonic_browse_album_info2(SubsonicCall *call);

/* getSimilarSongs / getSimilarSongs2 id=song|album|artist&count: other songs of the same
 * artist, in random order (no external similarity source). */
int subsonic_browse_similar(SubsonicCall *call);
int subsonic_browse_similar2(SubsonicCall *call);

/* getTopSongs id=artist id (topSongsByArtistId; also artistId=) or artist=name, &count: the
 * artist's most played songs (every user's plays of the last 90 days). */
int subsonic_browse_top_songs(SubsonicCall *call);

#endif
