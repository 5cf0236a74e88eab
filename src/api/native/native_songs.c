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

void native_songs_write_refs(ApiJson *w, const char *key, const LibraryRefs *refs)
{
    api_json_array(w, key);
    for (size_t i = 0; i < refs->n; i++) {
        api_json_object(w, NULL);
        api_json_str(w, "id", refs->items[i].id);
        api_json_str(w, "name", refs->items[i].name);
        api_json_end(w);
    }
    api_json_end(w);
}

json_t *native_songs_refs_json(HttpRequest *req, const LibraryRefs *refs)
{
    ApiJson w;
    api_json_tree(&w, req->arena);
    native_songs_write_refs(&w, NULL, refs);
    return api_json_take(&w);
}

/* A ReplayGain value, or null when the tag is absent. */
static void native_song_gain(ApiJson *w, const char *key, bool has, double v)
{
    if (has)
        api_json_real(w, key, v);
    else
        api_json_null(w, key);
}

void native_songs_write(ApiJson *w, const char *key, const Song *s)
{
    api_json_object(w, key);
    native_songs_write_fields(w, s);
    api_json_end(w);
}

void native_songs_write_fields(ApiJson *w, const Song *s)
{
    api_json_str(w, "id", s->id);
    api_json_str(w, "title", s->title);
    api_json_str(w, "artist", s->artist);
    api_json_str(w, "album", s->album);
    api_json_str(w, "albumArtist", s->album_artist);
    api_json_opt_str(w, "artistId", s->artist_id);
    api_json_opt_str(w, "albumId", s->album_id);
    native_songs_write_refs(w, "artists", &s->artists);
    native_songs_write_refs(w, "albumArtists", &s->album_artists);
    api_json_int_opt(w, "track", s->track);
    api_json_int_opt(w, "trackTotal", s->track_total);
    api_json_int_opt(w, "disc", s->disc);
    api_json_int_opt(w, "discTotal", s->disc_total);
    api_json_opt_str(w, "discSubtitle", s->disc_subtitle);
    api_json_int_opt(w, "year", s->year);
    api_json_int_opt(w, "originalYear", s->original_year);
    api_json_opt_str(w, "releaseDate", s->release_date);
    api_json_str(w, "genre", s->genre);
    native_songs_write_refs(w, "genres", &s->genres);
    api_json_bool(w, "compilation", s->compilation);
    api_json_int(w, "durationMs", s->duration_ms);
    api_json_int(w, "bitrate", s->bitrate);
    api_json_int(w, "sampleRate", s->sample_rate);
    api_json_int_opt(w, "bitDepth", s->bit_depth);
    api_json_int(w, "channels", s->channels);
    api_json_str(w, "format", s->format);
    api_json_str(w, "codec", s->codec);
    api_json_int(w, "size", s->size);
    api_json_str(w, "path", s->path);
    api_json_int(w, "libraryId", s->library_id);
    api_json_opt_str(w, "folderId", s->folder_id);
    api_json_object(w, "musicBrainz");
    api_json_opt_str(w, "trackId", s->mbid);
    api_json_opt_str(w, "recordingId", s->mbid_recording);
    api_json_opt_str(w, "albumId", s->mbid_album);
    api_json_opt_str(w, "artistId", s->mbid_artist);
    api_json_opt_str(w, "albumArtistId", s->mbid_album_artist);
    api_json_opt_str(w, "releaseGroupId", s->mbid_release_group);
    api_json_end(w);
    api_json_object(w, "replayGain");
    native_song_gain(w, "trackGain", s->has_rg_track_gain, s->rg_track_gain);
    native_song_gain(w, "trackPeak", s->has_rg_track_peak, s->rg_track_peak);
    native_song_gain(w, "albumGain", s->has_rg_album_gain, s->rg_album_gain);
    native_song_gain(w, "albumPeak", s->has_rg_album_peak, s->rg_album_peak);
    api_json_end(w);
    api_json_int_opt(w, "bpm", s->bpm);
    api_json_opt_str(w, "label", s->label);
    api_json_opt_str(w, "comment", s->comment);
    api_json_bool(w, "hasLyrics", s->has_lyrics);
    api_json_opt_str(w, "coverId", s->cover_id);
}

json_t *native_songs_json(HttpRequest *req, const Song *s)
{
    ApiJson w;
    api_json_tree(&w, req->arena);
    native_songs_write(&w, NULL, s);
    return api_json_take(&w);
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

    ApiJson w;
    api_paged_start(&w);
    for (size_t i = 0; i < n; i++)
        native_songs_write(&w, NULL, &songs[i]);
    return api_paged_send(&w, req, res, next);
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
    ApiJson w;
    api_json_text(&w, API_JSON_TEXT_MAX);
    native_songs_write(&w, NULL, &song);
    return api_json_send(&w, req, res, 200);
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
    int accel =
        api_accel_file(req, res, song->library_name, song->path, media_content_type(song->format));
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
