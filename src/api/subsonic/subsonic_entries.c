/* subsonic_entries.c - Child items for the songs of playlists, bookmarks, queues, shares. */
#include "api/subsonic/subsonic_entries.h"

#include "api/native/native_users.h"
#include "core/limits.h"
#include "media/media_probe.h"

#include <errno.h>
#include <time.h>

const LibraryScope *subsonic_entries_scope(const SubsonicCall *call)
{
    return native_users_scope(call->req);
}

static const char *subsonic_entries_opt(const char *s)
{
    return s && *s ? s : NULL;
}

int subsonic_entries_songs(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                           const Song *songs, size_t n, SubsonicNode ***ret_nodes)
{
    SubsonicNode **nodes = NULL;
    if (ret_nodes && !(nodes = arena_calloc(call->req->arena, n ? n : 1, sizeof(*nodes))))
        return -ENOMEM;
    subsonic_list(parent, elem);
    for (size_t i = 0; i < n; i++) {
        const Song *s = &songs[i];
        SubsonicNode *c = subsonic_item(parent, elem);
        subsonic_str(c, "id", s->id);
        subsonic_str(c, "parent", subsonic_entries_opt(s->album_id));
        subsonic_bool(c, "isDir", false);
        subsonic_str(c, "title", s->title);
        subsonic_str(c, "album", subsonic_entries_opt(s->album));
        subsonic_str(c, "artist", subsonic_entries_opt(s->artist));
        if (s->track > 0)
            subsonic_int(c, "track", s->track);
        if (s->year > 0)
            subsonic_int(c, "year", s->year);
        subsonic_str(c, "genre", subsonic_entries_opt(s->genre));
        subsonic_str(c, "coverArt", s->cover_id);
        subsonic_int(c, "size", s->size);
        subsonic_str(c, "contentType", media_content_type(s->format));
        subsonic_str(c, "suffix", s->format);
        subsonic_int(c, "duration", (s->duration_ms + 500) / 1000);
        subsonic_int(c, "bitRate", s->bitrate);
        subsonic_str(c, "path", s->path);
        if (s->disc > 0)
            subsonic_int(c, "discNumber", s->disc);
        subsonic_str(c, "albumId", subsonic_entries_opt(s->album_id));
        subsonic_str(c, "artistId", subsonic_entries_opt(s->artist_id));
        subsonic_str(c, "type", "music");
        SubsonicNode *x = subsonic_ext(c);
        subsonic_str(x, "mediaType", "song");
        if (s->bit_depth > 0)
            subsonic_int(x, "bitDepth", s->bit_depth);
        subsonic_int(x, "samplingRate", s->sample_rate);
        subsonic_int(x, "channelCount", s->channels);
        if (nodes)
            nodes[i] = c;
    }
    if (ret_nodes)
        *ret_nodes = nodes;
    return 0;
}

int subsonic_entries_ids(SubsonicCall *call, SubsonicNode *parent, const char *elem,
                         const char *const *ids, size_t n)
{
    subsonic_list(parent, elem);
    /* library_song_by_ids_scoped() takes a page at a time. */
    for (size_t at = 0; at < n; at += LIMIT_PAGE_MAX) {
        size_t len = n - at < LIMIT_PAGE_MAX ? n - at : LIMIT_PAGE_MAX;
        Song *songs;
        size_t count;
        int r =
            library_song_by_ids_scoped(call->conn, call->req->arena, subsonic_entries_scope(call),
                                       ids + at, len, &songs, &count);
        if (r < 0)
            return r;
        if ((r = subsonic_entries_songs(call, parent, elem, songs, count, NULL)) < 0)
            return r;
    }
    return 0;
}

void subsonic_entries_time(SubsonicCall *call, SubsonicNode *node, const char *key, int64_t unix_s)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    char buf[32];
    if (unix_s <= 0 || !gmtime_r(&t, &tm) ||
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return;
    subsonic_str(node, key, arena_strdup(call->req->arena, buf));
}
