/*
 * subsonic_annotate.h - Subsonic annotation: star, unstar, setRating, scrobble and the
 * OpenSubsonic reportPlayback. Every id is checked before anything is written, so a request
 * naming one unknown item changes nothing. Any server thread.
 */
#ifndef SWAZ_SUBSONIC_ANNOTATE_H
#define SWAZ_SUBSONIC_ANNOTATE_H

#include "api/subsonic/subsonic.h"

/* star / unstar id (song, album or artist; repeatable)&albumId&artistId. */
int subsonic_annotate_star(SubsonicCall *call);
int subsonic_annotate_unstar(SubsonicCall *call);

/* setRating id&rating (0 removes, 1..5). */
int subsonic_annotate_rating(SubsonicCall *call);

/* scrobble id (repeatable)&time (ms, one per id)&submission: with submission (default) a play
 * is recorded; without, the song becomes what the client (c=) is playing now. */
int subsonic_annotate_scrobble(SubsonicCall *call);

/* reportPlayback mediaId&mediaType=song&positionMs&state=starting|playing|paused|stopped
 * &ignoreScrobble: now playing follows the state; a stop past half the song (or 4 minutes)
 * records a play unless ignoreScrobble. */
int subsonic_annotate_report(SubsonicCall *call);

#endif
