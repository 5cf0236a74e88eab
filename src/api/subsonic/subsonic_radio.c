/* subsonic_radio.c - the internet radio station methods. */
#include "api/subsonic/subsonic_radio.h"

#include "library/library_radio.h"

#include <errno.h>
#include <time.h>

int subsonic_radio_list(SubsonicCall *call)
{
    RadioStation *items;
    size_t n;
    int r = library_radio_list(call->conn, call->req->arena, &items, &n);
    if (r < 0)
        return r;
    SubsonicNode *list = subsonic_child(call->root, "internetRadioStations");
    subsonic_list(list, "internetRadioStation");
    for (size_t i = 0; i < n; i++) {
        SubsonicNode *s = subsonic_item(list, "internetRadioStation");
        subsonic_str(s, "id", items[i].id);
        subsonic_str(s, "name", items[i].name);
        subsonic_str(s, "streamUrl", items[i].stream_url);
        if (*items[i].home_page_url)
            subsonic_str(s, "homePageUrl", items[i].home_page_url);
    }
    return 0;
}

/* Maps the module's errors to answers that say what to fix. */
static int subsonic_radio_error(SubsonicCall *call, int r)
{
    if (r == -EINVAL)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "Invalid station: URLs must be http:// or https:// with a host, at "
                             "most 2048 bytes; names 1..256 bytes without control characters");
    if (r == ERR_LIMIT)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "Too many radio stations (at most 1000); delete some first");
    if (r == -ENOENT)
        return subsonic_fail(call, SUBSONIC_ERR_NOT_FOUND, "Radio station not found");
    return r;
}

/* The required streamUrl and name, and the optional homepageUrl. */
static int subsonic_radio_fields(SubsonicCall *call, const char **ret_stream, const char **ret_name,
                                 const char **ret_home)
{
    int r;
    if ((r = subsonic_param_required(call, "streamUrl", ret_stream)) < 0 ||
        (r = subsonic_param_required(call, "name", ret_name)) < 0)
        return r;
    *ret_home = subsonic_param(call, "homepageUrl");
    return 0;
}

int subsonic_radio_create(SubsonicCall *call)
{
    const char *stream, *name, *home, *id;
    int r = subsonic_radio_fields(call, &stream, &name, &home);
    if (r < 0)
        return r;
    r = library_radio_create(call->conn, call->req->arena, name, stream, home, (int64_t)time(NULL),
                             &id);
    return r < 0 ? subsonic_radio_error(call, r) : 0;
}

int subsonic_radio_update(SubsonicCall *call)
{
    const char *id, *stream, *name, *home;
    int r;
    if ((r = subsonic_param_required(call, "id", &id)) < 0 ||
        (r = subsonic_radio_fields(call, &stream, &name, &home)) < 0)
        return r;
    r = library_radio_update(call->conn, id, name, stream, home, (int64_t)time(NULL));
    return r < 0 ? subsonic_radio_error(call, r) : 0;
}

int subsonic_radio_delete(SubsonicCall *call)
{
    const char *id;
    int r = subsonic_param_required(call, "id", &id);
    if (r < 0)
        return r;
    r = library_radio_delete(call->conn, id);
    return r < 0 ? subsonic_radio_error(call, r) : 0;
}
