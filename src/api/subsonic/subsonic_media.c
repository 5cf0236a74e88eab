/* subsonic_media.c - stream, download, covers, lyrics and avatars for Subsonic clients. */
#include "api/subsonic/subsonic_media.h"

#include "api/subsonic/subsonic_items.h"
#include "api/subsonic/subsonic_playlists.h"
#include "api/native/native_avatars.h"
#include "api/native/native_covers.h"
#include "api/native/native_playlists.h"
#include "api/native/native_songs.h"
#include "core/limits.h"
#include "core/str.h"
#include "library/library_lrc.h"
#include "library/library_search.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/* Loads the song named by id=. Returns 0 or SUBSONIC_FAILED / a library error. */
static int subsonic_media_song(SubsonicCall *call, Song *ret_song)
{
    const char *id;
    int r = subsonic_param_required(call, "id", &id);
    if (r < 0)
        return r;
    return library_song_get_scoped(call->conn, call->req->arena, subsonic_items_scope(call), id,
                                   ret_song);
}

int subsonic_media_deliver(SubsonicCall *call, const Song *song, const char *format, int64_t kbps,
                           int64_t offset_s, bool estimate)
{
    int r = native_songs_deliver(call->req, call->res, song, format, kbps, offset_s, estimate);
    if (r == 0) {
        call->answered = true;
        return 0;
    }
    if (r == -ENOENT)
        return subsonic_fail(call, SUBSONIC_ERR_NOT_FOUND, "The file is gone; rescan the library");
    if (r == -EINVAL)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "Unsupported format; use mp3, opus, aac, m4a, flac or raw");
    if (r == ERR_UNSUPPORTED)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "Transcoding is not available");
    if (r == ERR_LIMIT)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC,
                             "Too many songs are being transcoded; try again later");
    if (r == -EMFILE)
        return subsonic_fail(call, SUBSONIC_ERR_GENERIC, "The server is busy; try again");
    return r;
}

int subsonic_media_stream(SubsonicCall *call)
{
    int64_t kbps, offset_s;
    bool estimate;
    Song song;
    int r;
    if ((r = subsonic_param_int(call, "maxBitRate", 0, 0, 100000, &kbps)) < 0 ||
        (r = subsonic_param_int(call, "timeOffset", 0, 0, LIMIT_TRANSCODE_OFFSET_S, &offset_s)) <
            0 ||
        (r = subsonic_param_bool(call, "estimateContentLength", false, &estimate)) < 0 ||
        (r = subsonic_media_song(call, &song)) < 0)
        return r;
    /* originals always carry their exact Content-Length; transcodes an estimated one when
     * asked (estimateContentLength) */
    return subsonic_media_deliver(call, &song, subsonic_param(call, "format"), kbps, offset_s,
                                  estimate);
}

int subsonic_media_download(SubsonicCall *call)
{
    Song song;
    if (!call->user->may_download)
        return subsonic_fail(call, SUBSONIC_ERR_UNAUTHORIZED, "Downloads are not allowed");
    int r = subsonic_media_song(call, &song);
    if (r < 0)
        return r;
    return subsonic_media_deliver(call, &song, "raw", 0, 0, false);
}

int subsonic_media_cover(SubsonicCall *call)
{
    const char *id;
    int64_t size;
    int r;
    if ((r = subsonic_param_required(call, "id", &id)) < 0 ||
        (r = subsonic_param_int(call, "size", LIMIT_COVER_SIZE_MAX, 1, INT64_MAX, &size)) < 0)
        return r;
    /* A playlist's coverArt ("pl-" and its id), or the bare id of a playlist the caller may
     * read: the playlist's cover as /api/playlists/{id}/cover makes it. */
    PlaylistUser who;
    Playlist pl;
    subsonic_playlists_who(call->user, &who);
    const char *playlist = str_has_prefix(id, SUBSONIC_PLAYLISTS_COVER_PREFIX)
                               ? id + strlen(SUBSONIC_PLAYLISTS_COVER_PREFIX)
                               : NULL;
    if (!playlist && library_playlist_get(call->conn, call->req->arena, id, &who, &pl) == 0)
        playlist = id;
    /* the cover code borrows its own connection: give ours back first */
    db_release(call->conn);
    call->conn = NULL;
    call->answered = true;
    if (playlist && native_playlists_cover_respond(call->req, call->res, &who, playlist, size) == 0)
        return 0;
    /* anything else (an unknown playlist too) is a cover id: unknown ones get the placeholder */
    return native_covers_respond(call->req, call->res, id, size);
}

/* The lyrics text of `song_id` parsed as LRC. Returns 0 or a library error. */
static int subsonic_media_lrc(SubsonicCall *call, const char *song_id, Lrc *ret_lrc)
{
    const char *text;
    bool synced;
    int r = library_song_lyrics_scoped(call->conn, call->req->arena, subsonic_items_scope(call),
                                       song_id, &text, &synced);
    if (r < 0)
        return r;
    memset(ret_lrc, 0, sizeof(*ret_lrc));
    return library_lrc_parse(call->req->arena, text, strlen(text), ret_lrc);
}

int subsonic_media_lyrics(SubsonicCall *call)
{
    Arena *a = call->req->arena;
    const char *artist = subsonic_param(call, "artist");
    const char *title = subsonic_param(call, "title");
    SubsonicNode *node = subsonic_child(call->root, "lyrics");
    if (!title || !*title)
        return 0;
    const char **ids;
    size_t n;
    int r = library_search(call->conn, db_kind(call->ctx->db), a, title, LIBRARY_SEARCH_SONG,
                           LIBRARY_SEARCH_LIMIT_MAX, &ids, &n);
    if (r == ERR_LIMIT || r == -EINVAL)
        return 0;
    Song *songs;
    size_t k;
    if (r < 0 ||
        (r = library_song_by_ids_scoped(call->conn, a, subsonic_items_scope(call), ids,
                                        n > LIMIT_PAGE_MAX ? LIMIT_PAGE_MAX : n, &songs, &k)) < 0)
        return r;
    for (size_t i = 0; i < k; i++) {
        if (!songs[i].has_lyrics || strcasecmp(songs[i].title, title) != 0 ||
            (artist && *artist && strcasecmp(songs[i].artist, artist) != 0))
            continue;
        Lrc lrc;
        if ((r = subsonic_media_lrc(call, songs[i].id, &lrc)) < 0)
            return r;
        size_t len = 0;
        for (size_t j = 0; j < lrc.n_lines; j++)
            len += strlen(lrc.lines[j].text) + 1;
        char *text = arena_alloc(a, len + 1);
        if (!text)
            return -ENOMEM;
        size_t off = 0;
        for (size_t j = 0; j < lrc.n_lines; j++) {
            size_t l = strlen(lrc.lines[j].text);
            memcpy(text + off, lrc.lines[j].text, l);
            off += l;
            text[off++] = '\n';
        }
        text[off ? off - 1 : 0] = '\0';
        subsonic_str(node, "artist", songs[i].artist);
        subsonic_str(node, "title", songs[i].title);
        subsonic_text(node, text);
        break;
    }
    return 0;
}

int subsonic_media_lyrics_by_id(SubsonicCall *call)
{
    Song song;
    Lrc lrc;
    int r = subsonic_media_song(call, &song);
    if (r < 0 || (r = subsonic_media_lrc(call, song.id, &lrc)) < 0)
        return r;
    SubsonicNode *list = subsonic_child(call->root, "lyricsList");
    subsonic_list(list, "structuredLyrics");
    if (lrc.n_lines == 0)
        return 0;
    SubsonicNode *s = subsonic_item(list, "structuredLyrics");
    subsonic_str(s, "displayArtist", song.artist);
    subsonic_str(s, "displayTitle", song.title);
    subsonic_str(s, "lang", "und");
    subsonic_bool(s, "synced", lrc.synced);
    subsonic_list(s, "line");
    for (size_t i = 0; i < lrc.n_lines; i++) {
        SubsonicNode *l = subsonic_item(s, "line");
        if (lrc.synced)
            subsonic_int(l, "start", lrc.lines[i].start_ms < 0 ? 0 : lrc.lines[i].start_ms);
        subsonic_text(l, lrc.lines[i].text);
    }
    return 0;
}

int subsonic_media_avatar(SubsonicCall *call)
{
    const char *username;
    char user_id[AUTH_PRINCIPAL_ID_BYTES + 1];
    int r;
    if ((r = subsonic_param_required(call, "username", &username)) < 0 ||
        (r = auth_principal_find(call->conn, username, user_id)) < 0 ||
        (r = native_avatars_respond(call->req, call->res, call->conn, user_id)) < 0)
        return r;
    call->answered = true;
    return 0;
}
