/* native_songs.c - the song endpoints of the native JSON API. */
#include "api/native/native_songs.h"

#include "api/api.h"
#include "api/api_accel.h"
#include "api/api_auth.h"
#include "api/api_error.h"
#include "api/api_transcode.h"
#include "api/native/native_users.h"
#include "api/api_json.h"
#include "api/api_request.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "http/http_file.h"
#include "http/http_live.h"
#include "library/library_ladder.h"
#include "library/library_lrc.h"
#include "library/library_song.h"
#include "media/media_probe.h"
#include "media/media_tcache.h"
#include "media/media_transcode.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* An estimated transcode length is the bitrate's bytes plus this many percent and bytes. */
#define NATIVE_SONG_ESTIMATE_MARGIN 2
#define NATIVE_SONG_ESTIMATE_HEADER 4096

json_t *native_songs_refs_json(HttpRequest *req, const LibraryRefs *refs)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < refs->n; i++) {
        json_t *o = json_object();
        if (!o)
            break;
        json_object_set_new(o, "id", api_json_string(req, refs->items[i].id));
        json_object_set_new(o, "name", api_json_string(req, refs->items[i].name));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *native_song_opt_real(bool has, double v)
{
    return has ? json_real(v) : json_null();
}

json_t *native_songs_json(HttpRequest *req, const Song *s)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", api_json_string(req, s->id));
    json_object_set_new(o, "title", api_json_string(req, s->title));
    json_object_set_new(o, "artist", api_json_string(req, s->artist));
    json_object_set_new(o, "album", api_json_string(req, s->album));
    json_object_set_new(o, "albumArtist", api_json_string(req, s->album_artist));
    json_object_set_new(o, "artistId", api_json_opt_string(req, s->artist_id));
    json_object_set_new(o, "albumId", api_json_opt_string(req, s->album_id));
    json_object_set_new(o, "artists", native_songs_refs_json(req, &s->artists));
    json_object_set_new(o, "albumArtists", native_songs_refs_json(req, &s->album_artists));
    json_object_set_new(o, "track", api_json_opt_int(s->track));
    json_object_set_new(o, "trackTotal", api_json_opt_int(s->track_total));
    json_object_set_new(o, "disc", api_json_opt_int(s->disc));
    json_object_set_new(o, "discTotal", api_json_opt_int(s->disc_total));
    json_object_set_new(o, "discSubtitle", api_json_opt_string(req, s->disc_subtitle));
    json_object_set_new(o, "year", api_json_opt_int(s->year));
    json_object_set_new(o, "originalYear", api_json_opt_int(s->original_year));
    json_object_set_new(o, "releaseDate", api_json_opt_string(req, s->release_date));
    json_object_set_new(o, "genre", api_json_string(req, s->genre));
    json_object_set_new(o, "genres", native_songs_refs_json(req, &s->genres));
    json_object_set_new(o, "compilation", json_boolean(s->compilation));
    json_object_set_new(o, "durationMs", json_integer(s->duration_ms));
    json_object_set_new(o, "bitrate", json_integer(s->bitrate));
    json_object_set_new(o, "sampleRate", json_integer(s->sample_rate));
    json_object_set_new(o, "bitDepth", api_json_opt_int(s->bit_depth));
    json_object_set_new(o, "channels", json_integer(s->channels));
    json_object_set_new(o, "format", api_json_string(req, s->format));
    json_object_set_new(o, "codec", api_json_string(req, s->codec));
    json_object_set_new(o, "size", json_integer(s->size));
    json_object_set_new(o, "path", api_json_string(req, s->path));
    json_object_set_new(o, "libraryId", json_integer(s->library_id));
    json_object_set_new(o, "folderId", api_json_opt_string(req, s->folder_id));
    json_object_set_new(o, "musicBrainz",
                        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "trackId",
                                  api_json_opt_string(req, s->mbid), "recordingId",
                                  api_json_opt_string(req, s->mbid_recording), "albumId",
                                  api_json_opt_string(req, s->mbid_album), "artistId",
                                  api_json_opt_string(req, s->mbid_artist), "albumArtistId",
                                  api_json_opt_string(req, s->mbid_album_artist), "releaseGroupId",
                                  api_json_opt_string(req, s->mbid_release_group)));
    json_object_set_new(
        o, "replayGain",
        json_pack("{s:o, s:o, s:o, s:o}", "trackGain",
                  native_song_opt_real(s->has_rg_track_gain, s->rg_track_gain), "trackPeak",
                  native_song_opt_real(s->has_rg_track_peak, s->rg_track_peak), "albumGain",
                  native_song_opt_real(s->has_rg_album_gain, s->rg_album_gain), "albumPeak",
                  native_song_opt_real(s->has_rg_album_peak, s->rg_album_peak)));
    json_object_set_new(o, "bpm", api_json_opt_int(s->bpm));
    json_object_set_new(o, "label", api_json_opt_string(req, s->label));
    json_object_set_new(o, "comment", api_json_opt_string(req, s->comment));
    json_object_set_new(o, "hasLyrics", json_boolean(s->has_lyrics));
    json_object_set_new(o, "coverId", api_json_opt_string(req, s->cover_id));
    return o;
}

int native_songs_list(HttpRequest *req, HttpResponse *res)
{
    int limit;
    const char *after;
    if (api_query_page(req, res, &limit, &after) < 0)
        return 0;

    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    Song *songs;
    size_t n;
    const char *next;
    int r = library_song_list_scoped(conn, req->arena, native_users_scope(req), after, limit,
                                     &songs, &n, &next);
    db_release(conn);
    if (r < 0)
        return api_paged_error(req, res, r);

    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++)
        json_array_append_new(items, native_songs_json(req, &songs[i]));
    return api_paged(req, res, items, next);
}

/* Loads the song named by the route's {id}. Answers the error itself. */
static int native_song_load(HttpRequest *req, HttpResponse *res, Song *ret_song)
{
    DbConn *conn;
    int r = api_conn(req, res, &conn);
    if (r < 0)
        return r;
    r = library_song_get_scoped(conn, req->arena, native_users_scope(req), req->params[0],
                                ret_song);
    db_release(conn);
    if (r < 0)
        api_error_from(req, res, r);
    return r;
}

int native_songs_get(HttpRequest *req, HttpResponse *res)
{
    Song song;
    if (native_song_load(req, res, &song) < 0)
        return 0;
    return api_json_respond(req, res, 200, native_songs_json(req, &song));
}

/* The base name of the music folder holding `song` (its full path less its path). */
static const char *native_song_folder(HttpRequest *req, const Song *song)
{
    size_t full = strlen(song->full_path), rel = strlen(song->path);
    if (rel + 1 >= full)
        return "";
    const char *root = arena_strndup(req->arena, song->full_path, full - rel - 1);
    const char *slash = root ? strrchr(root, '/') : NULL;
    return slash ? slash + 1 : (root ? root : "");
}

/* Answers with the open file `fd` (taken): sendfile, Range, conditional requests. */
static int native_song_file(HttpRequest *req, HttpResponse *res, int fd, const char *type)
{
    return http_file_respond(req, res, fd, type, "private, max-age=86400");
}

/* The original file, byte for byte (sendfile, Range, conditional requests); behind a trusted
 * proxy with accel_redirect, the proxy sends it (X-Accel-Redirect). Returns 0, -ENOENT,
 * -EMFILE (Retry-After set) or -ENOMEM without answering. */
static int native_song_original(HttpRequest *req, HttpResponse *res, const Song *song)
{
    int accel = api_accel_file(req, res, native_song_folder(req, song), song->path,
                               media_content_type(song->format));
    if (accel != 0)
        return 0;
    int fd = open(song->full_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
        http_response_header(res, "Retry-After", "1");
        return -EMFILE;
    }
    if (fd < 0)
        return -ENOENT;
    return native_song_file(req, res, fd, media_content_type(song->format));
}

/* The bytes of `ms` of audio at `kbps`, rounded up by NATIVE_SONG_ESTIMATE_MARGIN percent plus
 * NATIVE_SONG_ESTIMATE_HEADER: a little long is padded, too short would cut the end. */
static uint64_t native_song_estimate(int64_t ms, int kbps)
{
    uint64_t bytes = (uint64_t)ms * (uint64_t)kbps / 8;
    return bytes + bytes * NATIVE_SONG_ESTIMATE_MARGIN / 100 + NATIVE_SONG_ESTIMATE_HEADER;
}

/* Starts a transcode of `song` into the response: from the transcode cache when it holds the
 * output, else live (kept in the cache when the output is cacheable), with an estimated
 * Content-Length when asked and the target has a bitrate. Errors as native_songs_deliver(). */
static int native_song_transcode(HttpRequest *req, HttpResponse *res, const Song *song,
                                 const MediaTranscodeOptions *opts, bool estimate_length)
{
    const ApiContext *app = req->app;
    const Principal *p = api_auth_principal(req);
    if (!app->transcodes)
        return ERR_UNSUPPORTED;
    if (access(song->full_path, R_OK) != 0)
        return -ENOENT;
    const char *type = media_transcode_content_type(opts->format);
    MediaTcacheKey key = {song->id, song->full_path, opts->format, opts->bitrate_kbps};
    bool cached = app->tcache && opts->offset_ms == 0;
    int fd;
    if (cached && media_tcache_open(app->tcache, &key, &fd) == 0) {
        /* Behind a trusted proxy with accel_redirect, the proxy sends the finished file. */
        char name[MEDIA_TCACHE_NAME_BYTES];
        if (app->accel_redirect && media_tcache_name(&key, name) == 0 &&
            api_accel_file(req, res, API_ACCEL_TRANSCODES, name, type) != 0) {
            close(fd);
            return 0;
        }
        return native_song_file(req, res, fd, type);
    }
    if (cached) { /* a Range inside what a running encode has written: answered from it */
        int answered = api_transcodes_partial(req, res, app->tcache, &key, type);
        if (answered <= 0)
            return answered;
    }
    HttpLive *live = http_live_new(LIMIT_LIVE_BUFFER_BYTES);
    if (!live)
        return -ENOMEM;
    int64_t left_ms = song->duration_ms - opts->offset_ms;
    if (estimate_length && opts->bitrate_kbps > 0 && left_ms > 0)
        http_live_set_length(live, native_song_estimate(left_ms, opts->bitrate_kbps));
    int r = http_response_live(res, type, live);
    if (r < 0)
        goto out_unref;
    const char *user = p ? p->user_id : "";
    r = cached ? api_transcodes_start_cached(app->transcodes, user, app->tcache, &key, opts, live)
               : -EINVAL;
    if (r < 0 && r != ERR_LIMIT && r != -ENOMEM && r != -EAGAIN) {
        if (r != -EINVAL) /* -EINVAL: an id the cache cannot name; else the cache failed */
            log_warn("transcode cache unusable (%s): streaming %s live", err_str(r), song->id);
        r = api_transcodes_start(app->transcodes, user, song->full_path, opts, live);
    }
    if (r < 0)
        goto out_unref; /* the caller's error body releases the response's reference */
    http_response_header(res, "Cache-Control", "no-store");
    return 0;

out_unref:
    http_live_unref(live);
    if (r == ERR_LIMIT) {
        char retry[16];
        snprintf(retry, sizeof(retry), "%d", LIMIT_TRANSCODE_RETRY_AFTER_S);
        http_response_header(res, "Retry-After", retry);
    }
    return r;
}

/* The target that re-encodes `song` to itself, for a start offset on an original (the
 * OpenSubsonic transcodeOffset extension: an offset means a transcode): its own format where
 * we encode it, else FLAC for lossless sources and mp3 for the rest. */
static MediaTranscodeFormat native_song_same_format(const Song *song)
{
    static const char *const lossless[] = {"flac", "alac", "wavpack", "ape", "tta", "pcm_"};
    MediaTranscodeFormat f;
    if (library_ladder_is_original(song, song->format) &&
        media_transcode_format_parse(song->format, &f) == 0)
        return f;
    for (size_t i = 0; i < sizeof(lossless) / sizeof(lossless[0]); i++)
        if (strncmp(song->codec, lossless[i], strlen(lossless[i])) == 0)
            return MEDIA_TRANSCODE_FLAC;
    return MEDIA_TRANSCODE_MP3;
}

int native_songs_deliver(HttpRequest *req, HttpResponse *res, const Song *song, const char *format,
                         int64_t kbps, int64_t offset_s, bool estimate_length)
{
    MediaTranscodeFormat target = MEDIA_TRANSCODE_MP3;
    bool raw = format && strcmp(format, "raw") == 0;
    if (format && *format && !raw && media_transcode_format_parse(format, &target) < 0)
        return -EINVAL;
    const Principal *p = api_auth_principal(req);
    if (p && p->max_bitrate_kbps > 0 && (kbps == 0 || kbps > p->max_bitrate_kbps))
        kbps = p->max_bitrate_kbps;
    bool transcode;
    if (raw)
        transcode = false;
    else if (format && *format) /* explicit: unless it is the original at or below its rate */
        transcode = !library_ladder_is_original(song, format) || (kbps > 0 && kbps < song->bitrate);
    else
        transcode = kbps > 0 && kbps < song->bitrate;
    if (!transcode && offset_s > 0 && !raw) { /* seeking in an original: re-encode it */
        target = native_song_same_format(song);
        if (kbps == 0 || kbps > song->bitrate)
            kbps = song->bitrate;
        transcode = true;
    }
    if (!transcode)
        return native_song_original(req, res, song);
    MediaTranscodeOptions opts = {
        .format = target,
        .bitrate_kbps = media_transcode_clamp_kbps(target, (int)kbps),
        .offset_ms = offset_s * 1000,
    };
    return native_song_transcode(req, res, song, &opts, estimate_length);
}

/* Answers what native_songs_deliver() refused, for /api/. */
static int native_song_refused(HttpRequest *req, HttpResponse *res, int r)
{
    switch (r) {
    case -ENOENT:
        return api_error(req, res, 404, "not_found", "the file is gone; rescan the library");
    case -EMFILE:
        return api_error(req, res, 503, "busy", "too many open files; try again");
    case ERR_UNSUPPORTED:
        return api_error(req, res, 501, "unsupported", "transcoding is not available");
    case ERR_LIMIT:
        return api_error(req, res, 429, "too_many_transcodes",
                         "too many songs are being transcoded; try again later");
    default:
        return api_error_from(req, res, r);
    }
}

/* Reads a non-negative integer query parameter (absent: 0). Returns 0 or -EINVAL. */
static int native_song_query_int(HttpRequest *req, const char *name, int64_t max,
                                 int64_t *ret_value)
{
    const char *v = http_request_query(req, name);
    int64_t n = 0;
    if (v && *v && str_to_int64(v, 0, max, &n) < 0)
        return -EINVAL;
    *ret_value = n;
    return 0;
}

int native_songs_stream(HttpRequest *req, HttpResponse *res)
{
    int64_t kbps, offset_s;
    if (native_song_query_int(req, "maxBitRate", 100000, &kbps) < 0 ||
        (kbps == 0 && native_song_query_int(req, "bitrate", 100000, &kbps) < 0))
        return api_error(req, res, 400, "bad_request", "maxBitRate/bitrate must be kbps (0..)");
    if (native_song_query_int(req, "timeOffset", LIMIT_TRANSCODE_OFFSET_S, &offset_s) < 0)
        return api_error(req, res, 400, "bad_request", "timeOffset must be whole seconds");
    const char *format = http_request_query(req, "format");
    MediaTranscodeFormat target = MEDIA_TRANSCODE_MP3;
    bool raw = format && strcmp(format, "raw") == 0;
    if (format && *format && !raw && media_transcode_format_parse(format, &target) < 0)
        return api_error(req, res, 400, "bad_request",
                         "format must be mp3, opus, aac, m4a, flac or raw");

    Song song;
    if (native_song_load(req, res, &song) < 0)
        return 0;
    int r = native_songs_deliver(req, res, &song, format, kbps, offset_s, false);
    return r < 0 ? native_song_refused(req, res, r) : 0;
}

int native_songs_download(HttpRequest *req, HttpResponse *res)
{
    const Principal *p = api_auth_principal(req);
    if (!p || !p->may_download)
        return api_error(req, res, 403, "forbidden", "this account may not download");
    Song song;
    if (native_song_load(req, res, &song) < 0)
        return 0;
    const char *slash = strrchr(song.path, '/');
    const char *disposition = api_attachment(req, slash ? slash + 1 : song.path, "");
    if (!disposition)
        return api_error_from(req, res, -ENOMEM);
    http_response_header(res, "Content-Disposition", disposition);
    int r = native_song_original(req, res, &song);
    return r < 0 ? native_song_refused(req, res, r) : 0;
}

int native_songs_lyrics(HttpRequest *req, HttpResponse *res)
{
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    const char *text;
    bool synced_tag;
    int r = library_song_lyrics_scoped(conn, req->arena, native_users_scope(req), req->params[0],
                                       &text, &synced_tag);
    db_release(conn);
    if (r < 0)
        return api_error_from(req, res, r);
    (void)synced_tag; /* the text itself says whether it has time tags */
    Lrc lrc = {0};
    r = library_lrc_parse(req->arena, text, strlen(text), &lrc);
    if (r < 0)
        return api_error_from(req, res, r);
    json_t *lines = json_array();
    for (size_t i = 0; lines && i < lrc.n_lines; i++) {
        const LrcLine *l = &lrc.lines[i];
        json_array_append_new(lines,
                              json_pack("{s:o, s:o}", "startMs",
                                        l->start_ms >= 0 ? json_integer(l->start_ms) : json_null(),
                                        "text", api_json_string(req, l->text)));
    }
    json_t *body =
        lines ? json_pack("{s:b, s:o}", "synced", lrc.synced && lrc.n_lines > 0, "lines", lines)
              : NULL;
    return api_json_respond(req, res, 200, body);
}
