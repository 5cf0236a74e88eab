/* subsonic_unsupported.c - video, chat, jukebox and podcast methods: a clean refusal. */
#include "api/subsonic/subsonic_unsupported.h"

int subsonic_unsupported_feature(SubsonicCall *call)
{
    return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                         "Not supported: this server has no video, chat or podcasts");
}

int subsonic_unsupported_jukebox(SubsonicCall *call)
{
    return subsonic_fail(call, SUBSONIC_ERR_UNAUTHORIZED,
                         "Not supported: this server has no jukebox mode");
}
