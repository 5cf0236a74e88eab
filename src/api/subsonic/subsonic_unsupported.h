/*
 * subsonic_unsupported.h - the Subsonic methods a music server without video, chat,
 * jukebox or podcasts answers with a clean error instead of 404, so that clients which
 * probe them show "not supported" rather than a broken server. Any server thread.
 */
#ifndef SWAZ_SUBSONIC_UNSUPPORTED_H
#define SWAZ_SUBSONIC_UNSUPPORTED_H

#include "api/subsonic/subsonic.h"

/* Video, chat and podcast methods: error 0 saying the feature is not supported. Returns
 * SUBSONIC_FAILED. */
int subsonic_unsupported_feature(SubsonicCall *call);

/* jukeboxControl: error 50, as for a user without the jukebox role (getUser reports
 * jukeboxRole false for everyone). Returns SUBSONIC_FAILED. */
int subsonic_unsupported_jukebox(SubsonicCall *call);

#endif
