/* subsonic_system.c - ping, getLicense, getOpenSubsonicExtensions, tokenInfo. */
#include "api/subsonic/subsonic_system.h"

#include <stddef.h>

int subsonic_system_ping(SubsonicCall *call)
{
    (void)call;
    return 0;
}

int subsonic_system_license(SubsonicCall *call)
{
    subsonic_bool(subsonic_child(call->root, "license"), "valid", true);
    return 0;
}

int subsonic_system_extensions(SubsonicCall *call)
{
    /* Only what is implemented: each entry names an extension page of the OpenSubsonic
     * documentation and the versions of it we follow. */
    static const struct {
        const char *name;
        int version;
    } extensions[] = {
        {"apiKeyAuthentication", 1}, {"formPost", 1},       {"songLyrics", 1},
        {"transcodeOffset", 1},      {"playbackReport", 1}, {"indexBasedQueue", 1},
        {"topSongsByArtistId", 1},   {"transcoding", 1},
    };
    subsonic_list(call->root, "openSubsonicExtensions");
    for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
        SubsonicNode *e = subsonic_item(call->root, "openSubsonicExtensions");
        subsonic_str(e, "name", extensions[i].name);
        subsonic_text_int(subsonic_item(e, "versions"), extensions[i].version);
    }
    return 0;
}

int subsonic_system_token_info(SubsonicCall *call)
{
    if (call->user->method != AUTH_METHOD_API_KEY)
        return subsonic_fail(call, SUBSONIC_ERR_MECH, "tokenInfo needs apiKey authentication");
    subsonic_str(subsonic_child(call->root, "tokenInfo"), "username", call->user->username);
    return 0;
}
