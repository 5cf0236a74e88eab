/* native_browse.c - artists, albums, genres, years and folders of the native JSON API. */
#include "api/native/native_browse.h"

#include "api/api_auth.h"
#include "api/api_error.h"
#include "api/native/native_users.h"
#include "api/api_json.h"
#include "api/api_request.h"
#include "api/api_zip.h"
#include "api/native/native_songs.h"
#include "core/err.h"
#include "core/str.h"

#include <string.h>

/* The object of an artist (an array element), left open for the caller's extra fields. */
static void native_browse_artist_open(ApiJson *w, const Artist *a)
{
    api_json_object(w, NULL);
    api_json_str(w, "id", a->id);
    api_json_str(w, "name", a->name);
    api_json_int(w, "albumCount", a->album_count);
    api_json_int(w, "songCount", a->song_count);
    api_json_opt_str(w, "imageId", a->image_id);
    api_json_opt_str(w, "coverId", a->image_id);
}

void native_browse_write_artist(ApiJson *w, const Artist *a)
{
    native_browse_artist_open(w, a);
    api_json_end(w);
}

/* The object of an album (an array element), left open for the caller's extra fields. */
static void native_browse_album_open(ApiJson *w, const Album *a)
{
    api_json_object(w, NULL);
    api_json_str(w, "id", a->id);
    api_json_str(w, "name", a->name);
    api_json_str(w, "artist", a->artist);
    api_json_opt_str(w, "artistId", a->artist_id);
    native_songs_write_refs(w, "artists", &a->artists);
    api_json_int_opt(w, "year", a->year);
    api_json_int_opt(w, "originalYear", a->original_year);
    api_json_opt_str(w, "releaseDate", a->release_date);
    native_songs_write_refs(w, "genres", &a->genres);
    api_json_int(w, "songCount", a->song_count);
    api_json_int(w, "discCount", a->disc_count);
    api_json_int(w, "durationMs", a->duration_ms);
    api_json_opt_str(w, "coverId", a->cover_id);
    api_json_bool(w, "compilation", a->compilation);
    api_json_opt_str(w, "musicBrainzId", a->mbid);
    api_json_int(w, "createdAt", a->created_at);
}

void native_browse_write_album(ApiJson *w, const Album *a)
{
    native_browse_album_open(w, a);
    api_json_end(w);
}

json_t *native_browse_artist_json(HttpRequest *req, const Artist *a)
{
    ApiJson w;
    api_json_tree(&w, req->arena);
    native_browse_write_artist(&w, a);
    return api_json_take(&w);
}

json_t *native_browse_album_json(HttpRequest *req, const Album *a)
{
    ApiJson w;
    api_json_tree(&w, req->arena);
    native_browse_write_album(&w, a);
    return api_json_take(&w);
}

/* The members of a folder's object. */
static void native_browse_folder_fields(ApiJson *w, const Folder *f)
{
    api_json_str(w, "id", f->id);
    api_json_str(w, "name", f->name);
    api_json_str(w, "path", f->path);
    api_json_opt_str(w, "parentId", f->parent_id);
    api_json_int(w, "libraryId", f->library_id);
    api_json_opt_str(w, "coverId", f->cover_id);
}

/* One folder as an element of an ApiJson list. */
static void native_browse_write_folder(ApiJson *w, const Folder *f)
{
    api_json_object(w, NULL);
    native_browse_folder_fields(w, f);
    api_json_end(w);
}

int native_browse_artists(HttpRequest *req, HttpResponse *res)
{
    int limit;
    const char *after;
    if (api_query_page(req, res, &limit, &after) < 0)
        return 0;
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    Artist *artists;
    size_t n;
    const char *next;
    int r = library_browse_artists_scoped(conn, req->arena, native_users_scope(req), after, limit,
                                          &artists, &n, &next);
    db_release(conn);
    if (r < 0)
        return api_paged_error(req, res, r);
    ApiJson w;
    api_paged_start(&w);
    for (size_t i = 0; i < n; i++)
        native_browse_write_artist(&w, &artists[i]);
    return api_paged_send(&w, req, res, next);
}

int native_browse_artist(HttpRequest *req, HttpResponse *res)
{
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    Artist artist;
    Album *albums;
    size_t n;
    int r = library_browse_artist_scoped(conn, req->arena, native_users_scope(req), req->params[0],
                                         &artist, &albums, &n);
    db_release(conn);
    if (r < 0)
        return api_error_from(req, res, r);
    ApiJson w;
    api_json_text(&w, API_JSON_TEXT_MAX);
    native_browse_artist_open(&w, &artist);
    api_json_array(&w, "albums");
    for (size_t i = 0; i < n; i++)
        native_browse_write_album(&w, &albums[i]);
    api_json_end(&w);
    api_json_end(&w);
    return api_json_send(&w, req, res, 200);
}

/* ?list= values and the order each names (Subsonic's names are accepted too). */
static const struct {
    const char *name;
    LibraryAlbumList list;
} native_album_lists[] = {
    {"alpha_name", LIBRARY_ALBUMS_ALPHA_NAME},
    {"alphabeticalByName", LIBRARY_ALBUMS_ALPHA_NAME},
    {"alpha_artist", LIBRARY_ALBUMS_ALPHA_ARTIST},
    {"alphabeticalByArtist", LIBRARY_ALBUMS_ALPHA_ARTIST},
    {"newest", LIBRARY_ALBUMS_NEWEST},
    {"year", LIBRARY_ALBUMS_YEAR},
    {"byYear", LIBRARY_ALBUMS_YEAR},
    {"genre", LIBRARY_ALBUMS_GENRE},
    {"byGenre", LIBRARY_ALBUMS_GENRE},
    {"random", LIBRARY_ALBUMS_RANDOM},
    {"recent", LIBRARY_ALBUMS_RECENT},
    {"recently_played", LIBRARY_ALBUMS_RECENT},
    {"frequent", LIBRARY_ALBUMS_FREQUENT},
    {"most_played", LIBRARY_ALBUMS_FREQUENT},
    {"starred", LIBRARY_ALBUMS_STARRED},
    {"highest", LIBRARY_ALBUMS_HIGHEST},
};

/* Parses a year parameter; answers 400 itself. */
static int native_browse_year(HttpRequest *req, HttpResponse *res, const char *name,
                              int64_t *ret_year)
{
    const char *s = http_request_query(req, name);
    if (!s || str_to_int64(s, 0, 9999, ret_year) < 0) {
        api_error(req, res, 400, "bad_request",
                  "list=year needs 'from' and 'to', years in 0..9999");
        return -EINVAL;
    }
    return 0;
}

int native_browse_albums(HttpRequest *req, HttpResponse *res)
{
    int limit;
    const char *after;
    if (api_query_page(req, res, &limit, &after) < 0)
        return 0;
    const char *list = http_request_query(req, "list");
    AlbumQuery q = {.list = LIBRARY_ALBUMS_ALPHA_NAME, .scope = native_users_scope(req)};
    if (list && *list) {
        size_t i, n_lists = sizeof(native_album_lists) / sizeof(native_album_lists[0]);
        for (i = 0; i < n_lists; i++) {
            if (strcmp(native_album_lists[i].name, list) == 0)
                break;
        }
        if (i == n_lists)
            return api_error(req, res, 400, "bad_request",
                             "list must be one of alpha_name, alpha_artist, newest, year, genre,"
                             " random, recent, frequent, starred, highest");
        q.list = native_album_lists[i].list;
    }
    if (q.list >= LIBRARY_ALBUMS_RECENT) {
        const Principal *who = api_auth_principal(req);
        if (!who)
            return api_error(req, res, 401, "unauthorized", "this list needs a signed-in user");
        q.user_id = who->user_id;
    }
    if (q.list == LIBRARY_ALBUMS_YEAR && (native_browse_year(req, res, "from", &q.from) < 0 ||
                                          native_browse_year(req, res, "to", &q.to) < 0))
        return 0;
    const char *genre = http_request_query(req, "genre");
    if (q.list == LIBRARY_ALBUMS_GENRE && (!genre || !*genre))
        return api_error(req, res, 400, "bad_request", "list=genre needs 'genre' (a name or id)");

    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    int r = 0;
    if (q.list == LIBRARY_ALBUMS_GENRE)
        r = library_browse_genre_find(conn, req->arena, genre, &q.genre_id);
    Album *albums = NULL;
    size_t n = 0;
    const char *next = NULL;
    if (r == 0)
        r = library_browse_albums(conn, req->arena, &q, after, limit, &albums, &n, &next);
    db_release(conn);
    if (r == -ENOENT)
        return api_error(req, res, 404, "not_found", "no such genre");
    if (r < 0)
        return api_paged_error(req, res, r);
    ApiJson w;
    api_paged_start(&w);
    for (size_t i = 0; i < n; i++)
        native_browse_write_album(&w, &albums[i]);
    return api_paged_send(&w, req, res, next);
}

/* Loads the album of the route's {id} with its songs. Answers errors itself. */
static int native_browse_album_load(HttpRequest *req, HttpResponse *res, Album *ret_album,
                                    Song **ret_songs, size_t *ret_n)
{
    DbConn *conn;
    int r = api_conn(req, res, &conn);
    if (r < 0)
        return r;
    r = library_browse_album_scoped(conn, req->arena, native_users_scope(req), req->params[0],
                                    ret_album, ret_songs, ret_n);
    db_release(conn);
    if (r < 0)
        api_error_from(req, res, r);
    return r;
}

int native_browse_album(HttpRequest *req, HttpResponse *res)
{
    Album album;
    Song *songs;
    size_t n;
    if (native_browse_album_load(req, res, &album, &songs, &n) < 0)
        return 0;
    ApiJson w;
    api_json_text(&w, API_JSON_TEXT_MAX);
    native_browse_album_open(&w, &album);
    api_json_array(&w, "songs");
    for (size_t i = 0; i < n; i++)
        native_songs_write(&w, NULL, &songs[i]);
    api_json_end(&w);
    api_json_end(&w);
    return api_json_send(&w, req, res, 200);
}

int native_browse_album_download(HttpRequest *req, HttpResponse *res)
{
    const Principal *p = api_auth_principal(req);
    if (!p || !p->may_download)
        return api_error(req, res, 403, "forbidden", "this account may not download");
    Album album;
    Song *songs;
    size_t n;
    if (native_browse_album_load(req, res, &album, &songs, &n) < 0)
        return 0;
    return api_zip_respond(req, res, album.name, songs, n, false);
}

int native_browse_genres(HttpRequest *req, HttpResponse *res)
{
    int limit;
    const char *after;
    if (api_query_page(req, res, &limit, &after) < 0)
        return 0;
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    Genre *genres;
    size_t n;
    const char *next;
    int r = library_browse_genres_scoped(conn, req->arena, native_users_scope(req), after, limit,
                                         &genres, &n, &next);
    db_release(conn);
    if (r < 0)
        return api_paged_error(req, res, r);
    ApiJson w;
    api_paged_start(&w);
    for (size_t i = 0; i < n; i++) {
        api_json_object(&w, NULL);
        api_json_str(&w, "id", genres[i].id);
        api_json_str(&w, "name", genres[i].name);
        api_json_int(&w, "songCount", genres[i].song_count);
        api_json_int(&w, "albumCount", genres[i].album_count);
        api_json_end(&w);
    }
    return api_paged_send(&w, req, res, next);
}

int native_browse_years(HttpRequest *req, HttpResponse *res)
{
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    YearCount *years;
    size_t n;
    int r = library_browse_years_scoped(conn, req->arena, native_users_scope(req), &years, &n);
    db_release(conn);
    if (r < 0)
        return api_error_from(req, res, r);
    /* Decades in order, each with its years and the sum of their albums (known before the
     * decade's years are written). */
    ApiJson w;
    api_paged_start(&w);
    for (size_t i = 0; i < n;) {
        int64_t d = years[i].year - years[i].year % 10, albums = 0;
        size_t end = i;
        for (; end < n && years[end].year - years[end].year % 10 == d; end++)
            albums += years[end].album_count;
        api_json_object(&w, NULL);
        api_json_int(&w, "decade", d);
        api_json_int(&w, "albumCount", albums);
        api_json_array(&w, "years");
        for (; i < end; i++) {
            api_json_object(&w, NULL);
            api_json_int(&w, "year", years[i].year);
            api_json_int(&w, "albumCount", years[i].album_count);
            api_json_end(&w);
        }
        api_json_end(&w);
        api_json_end(&w);
    }
    return api_paged_send(&w, req, res, NULL);
}

int native_browse_folders(HttpRequest *req, HttpResponse *res)
{
    int limit;
    const char *after;
    if (api_query_page(req, res, &limit, &after) < 0)
        return 0;
    (void)after; /* one page: there are at most LIMIT_MUSIC_DIRS music folders */
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    Folder *roots;
    size_t n;
    int r = library_browse_roots_scoped(conn, req->arena, native_users_scope(req), &roots, &n);
    db_release(conn);
    if (r < 0)
        return api_error_from(req, res, r);
    ApiJson w;
    api_paged_start(&w);
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        native_browse_write_folder(&w, &roots[i]);
    return api_paged_send(&w, req, res, NULL);
}

int native_browse_folder(HttpRequest *req, HttpResponse *res)
{
    int limit;
    const char *after;
    if (api_query_page(req, res, &limit, &after) < 0)
        return 0;
    DbConn *conn;
    if (api_conn(req, res, &conn) < 0)
        return 0;
    Folder folder;
    FolderEntry *entries;
    size_t n;
    const char *next;
    int r = library_browse_folder_scoped(conn, req->arena, native_users_scope(req), req->params[0],
                                         after, limit, &folder, &entries, &n, &next);
    db_release(conn);
    if (r < 0)
        return api_paged_error(req, res, r);
    ApiJson w;
    api_json_text(&w, API_JSON_TEXT_MAX);
    api_json_object(&w, NULL);
    native_browse_folder_fields(&w, &folder);
    api_json_array(&w, "items");
    for (size_t i = 0; i < n; i++) {
        api_json_object(&w, NULL);
        if (entries[i].folder)
            native_browse_folder_fields(&w, entries[i].folder);
        else
            native_songs_write_fields(&w, entries[i].song);
        api_json_str(&w, "type", entries[i].folder ? "folder" : "song");
        api_json_end(&w);
    }
    api_json_end(&w);
    api_json_str(&w, "next", next);
    api_json_end(&w);
    return api_json_send(&w, req, res, 200);
}
