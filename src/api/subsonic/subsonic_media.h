/*
 * subsonic_media.h - Subsonic media methods: stream (original or live transcode, with
 * maxBitRate, format, timeOffset), download, getCoverArt, getLyrics, getLyricsBySongId and
 * getAvatar. The bytes go through the native API's code (native_songs_deliver,
 * native_covers_respond, native_avatars_respond); only errors are Subsonic envelopes. Any
 * server thread.
 */
#ifndef SWAZ_SUBSONIC_MEDIA_H
#define SWAZ_SUBSONIC_MEDIA_H

#include "api/subsonic/subsonic.h"
#include "library/library_song.h"

/* Sends `song` through native_songs_deliver() (format, kbps, offset and estimate as it
 * takes them) and marks the call answered; maps what it refuses to Subsonic errors (70 for a
 * vanished file, 0 for the rest). Returns 0, SUBSONIC_FAILED or a negative error. */
int subsonic_media_deliver(SubsonicCall *call, const Song *song, const char *format, int64_t kbps,
                           int64_t offset_s, bool estimate);

/* stream id&maxBitRate&format&timeOffset&estimateContentLength: the song's bytes. */
int subsonic_media_stream(SubsonicCall *call);

/* download id: the original file (error 50 without the download right). */
int subsonic_media_download(SubsonicCall *call);

/* getCoverArt id&size: a cover (a placeholder picture for unknown ids). */
int subsonic_media_cover(SubsonicCall *call);

/* getLyrics artist&title: plain lyrics of the first matching song, or an empty lyrics. */
int subsonic_media_lyrics(SubsonicCall *call);

/* getLyricsBySongId id: the song's lyrics as structuredLyrics (synced when timed). */
int subsonic_media_lyrics_by_id(SubsonicCall *call);

/* getAvatar username: the user's avatar picture, or error 70. */
int subsonic_media_avatar(SubsonicCall *call);

#endif
