/* native_songs.c - the song endpoints of the native JSON API. */
#include "api/native/native_songs.h"

#include "api/api.h"
#include "api/api_error.h"
#include "api/api_json.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "http/http_file.h"
#include "library/library_song.h"
#include "media/media_probe.h"

#include <fcntl.h>
#include <unistd.h>

static json_t *native_song_json(HttpRequest *req, const Song *s)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "id", api_json_string(req, s->id));
    json_object_set_new(o, "title", api_json_string(req, s->title));
    json_object_set_new(o, "artist", api_json_string(req, s->artist));
    json_object_set_new(o, "album", api_json_string(req, s->album));
    json_object_set_new(o, "albumArtist", api_json_string(req, s->album_artist));
    json_object_set_new(o, "artistId", *s->artist_id ? json_string(s->artist_id) : json_null());
    json_object_set_new(o, "albumId", *s->album_id ? json_string(s->album_id) : json_null());
    json_object_set_new(o, "track", s->track ? json_integer(s->track) : json_null());
    json_object_set_new(o, "disc", s->disc ? json_integer(s->disc) : json_null());
    json_object_set_new(o, "year", s->year ? json_integer(s->year) : json_null());
    json_object_set_new(o, "genre", api_json_string(req, s->genre));
    json_object_set_new(o, "durationMs", json_integer(s->duration_ms));
    json_object_set_new(o, "bitrate", json_integer(s->bitrate));
    json_object_set_new(o, "sampleRate", json_integer(s->sample_rate));
    json_object_set_new(o, "channels", json_integer(s->channels));
    json_object_set_new(o, "format", api_json_string(req, s->format));
    json_object_set_new(o, "codec", api_json_string(req, s->codec));
    json_object_set_new(o, "size", json_integer(s->size));
    json_object_set_new(o, "path", api_json_string(req, s->path));
    json_object_set_new(o, "libraryId", json_integer(s->library_id));
    return o;
}

/* Borrows a connection; answers 503 itself when none can be had. */
static int native_conn(HttpRequest *req, HttpResponse *res, DbConn **ret_conn)
{
    const ApiContext *ctx = req->app;
    int r = db_acquire(ctx->db, ret_conn);
    if (r < 0)
        api_error_from(req, res, r);
    return r;
}

int native_songs_list(HttpRequest *req, HttpResponse *res)
{
    int64_t limit = LIMIT_PAGE_DEFAULT;
    const char *s = http_request_query(req, "limit");
    if (s && str_to_int64(s, 1, LIMIT_PAGE_MAX, &limit) < 0)
        return api_error(req, res, 400, "bad_request", "limit must be an integer in 1..500");
    const char *after = http_request_query(req, "after");
    if (after && !*after)
        after = NULL;

    DbConn *conn;
    if (native_conn(req, res, &conn) < 0)
        return 0;
    Song *songs;
    size_t n;
    const char *next;
    int r = library_song_list(conn, req->arena, after, (int)limit, &songs, &n, &next);
    db_release(conn);
    if (r == ERR_PARSE)
        return api_error(req, res, 400, "bad_request", "malformed cursor in 'after'");
    if (r < 0)
        return api_error_from(req, res, r);

    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++)
        json_array_append_new(items, native_song_json(req, &songs[i]));
    json_t *body = items ? json_pack("{s:o, s:o}", "items", items, "next",
                                     next ? json_string(next) : json_null())
                         : NULL;
    return api_json_respond(req, res, 200, body);
}

/* Loads the song named by the route's {id}. Answers the error itself. */
static int native_song_load(HttpRequest *req, HttpResponse *res, Song *ret_song)
{
    DbConn *conn;
    int r = native_conn(req, res, &conn);
    if (r < 0)
        return r;
    r = library_song_get(conn, req->arena, req->params[0], ret_song);
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
    return api_json_respond(req, res, 200, native_song_json(req, &song));
}

int native_songs_stream(HttpRequest *req, HttpResponse *res)
{
    Song song;
    if (native_song_load(req, res, &song) < 0)
        return 0;
    int fd = open(song.full_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return api_error(req, res, 404, "not_found", "the file is gone; rescan the library");
    int r =
        http_file_respond(req, res, fd, media_content_type(song.format), "private, max-age=86400");
    return r < 0 ? api_error_from(req, res, r) : 0;
}
