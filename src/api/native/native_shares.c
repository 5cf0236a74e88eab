/*
 * native_shares.c - share links, owner side and public side.
 *
 * The public handlers open the share on every request (so a revoke or an expiry takes
 * effect at once), never look at req->user, and show only what a listener needs: titles,
 * artists, album names, durations, song ids and the owner's username. The HTML page is one
 * document without external resources; every string in it is escaped, and its
 * Content-Security-Policy allows only same-origin media and images and the inline style.
 */
#include "api/native/native_shares.h"

#include "api/api.h"
#include "api/api_auth.h"
#include "api/api_error.h"
#include "api/api_json.h"
#include "api/api_request.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "http/http_file.h"
#include "library/library_cover.h"
#include "library/library_share.h"
#include "media/media_image.h"
#include "media/media_probe.h"

#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NATIVE_SHARE_PAGE_MAX    (8 * 1024 * 1024) /* bytes of one HTML page; songs past it cut */
#define NATIVE_SHARE_COVER_EDGE  512
#define NATIVE_SHARE_FILE_CACHE  "private, max-age=3600"
#define NATIVE_SHARE_COVER_CACHE "private, max-age=300"
#define NATIVE_SHARE_PAGE_CSP                                                                      \
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; "            \
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static int64_t native_share_now(void)
{
    return (int64_t)time(NULL);
}

/* The principal of an API_USER route; answers 401 itself when there is none. */
static const Principal *native_share_principal(HttpRequest *req, HttpResponse *res)
{
    const Principal *p = api_auth_principal(req);
    if (!p)
        api_error(req, res, 401, "unauthorized", "log in first");
    return p;
}

/* As native_share_principal(), with a connection borrowed into *ret_conn (the caller
 * releases it); NULL with the error answered and nothing borrowed. */
static const Principal *native_share_principal_conn(HttpRequest *req, HttpResponse *res,
                                                    DbConn **ret_conn)
{
    const Principal *p = native_share_principal(req, res);
    return p && api_conn(req, res, ret_conn) == 0 ? p : NULL;
}

/* The owner's view of a share. New reference or NULL. */
static json_t *native_share_json(HttpRequest *req, const LibraryShare *s, int64_t now)
{
    const char *url = arena_printf(req->arena, "/s/%s", s->id);
    return json_pack(
        "{s:o, s:o, s:s, s:o, s:o, s:o, s:b, s:b, s:I, s:I, s:o}", "id",
        api_json_string(req, s->id), "url", api_json_string(req, url), "kind",
        library_share_kind_name(s->kind), "itemId", api_json_string(req, s->item_id), "description",
        api_json_string(req, s->description), "expiresAt", api_json_opt_int(s->expires_at),
        "expired", s->expires_at != 0 && s->expires_at <= now, "allowDownload", s->allow_download,
        "createdAt", (json_int_t)s->created_at, "visitCount", (json_int_t)s->visit_count,
        "lastVisitedAt", api_json_opt_int(s->last_visited_at));
}

/* Reads "expiresAt" (integer Unix seconds, or null for never) if present. Returns 1 when
 * present, 0 when absent, -EINVAL when malformed. */
static int native_share_expiry(json_t *body, int64_t *ret_expires_at)
{
    json_t *v = json_object_get(body, "expiresAt");
    if (!v)
        return 0;
    if (json_is_null(v)) {
        *ret_expires_at = 0;
        return 1;
    }
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return -EINVAL;
    *ret_expires_at = (int64_t)json_integer_value(v);
    return 1;
}

/* Keeps only the songs `p` may see. */
static void native_share_scope(const Principal *p, LibraryShareItem *item)
{
    size_t n = 0;
    for (size_t i = 0; i < item->n_songs; i++) {
        if (auth_principal_sees(p, item->songs[i].library_id))
            item->songs[n++] = item->songs[i];
    }
    item->n_songs = n;
}

int native_shares_create(HttpRequest *req, HttpResponse *res)
{
    const Principal *p = native_share_principal(req, res);
    if (!p)
        return 0;
    if (!p->may_share)
        return api_error(req, res, 403, "forbidden", "this account may not share");
    json_t *body;
    if (api_body_object(req, res, &body) < 0)
        return 0;
    int r;
    LibraryShareKind kind;
    const char *item_id = json_string_value(json_object_get(body, "itemId"));
    const char *description = "";
    json_t *d = json_object_get(body, "description");
    json_t *dl = json_object_get(body, "allowDownload");
    int64_t expires_at = 0;
    int64_t now = native_share_now();
    if (library_share_kind_parse(json_string_value(json_object_get(body, "kind")), &kind) < 0) {
        r = api_error(req, res, 400, "bad_request", "kind must be song, album, playlist or songs");
        goto out_body;
    }
    if (!item_id || !*item_id) {
        r = api_error(req, res, 400, "bad_request", "itemId is required");
        goto out_body;
    }
    if (d && !json_is_null(d)) {
        description = json_string_value(d);
        if (!description || strlen(description) > LIMIT_SHARE_DESCRIPTION_BYTES) {
            r = api_error(req, res, 400, "bad_request",
                          "description must be a string of at most 1024 bytes");
            goto out_body;
        }
    }
    if (dl && !json_is_boolean(dl)) {
        r = api_error(req, res, 400, "bad_request", "allowDownload must be true or false");
        goto out_body;
    }
    bool allow_download = dl && json_is_true(dl);
    if (allow_download && !p->may_download) {
        r = api_error(req, res, 403, "forbidden", "this account may not download");
        goto out_body;
    }
    if (native_share_expiry(body, &expires_at) < 0 || (expires_at && expires_at <= now)) {
        r = api_error(req, res, 400, "bad_request",
                      "expiresAt must be a future Unix time in seconds, or null");
        goto out_body;
    }

    DbConn *conn;
    if (api_conn(req, res, &conn) < 0) {
        r = 0;
        goto out_body;
    }
    LibraryShareItem item;
    r = library_share_item(conn, req->arena, kind, item_id, p->user_id, &item);
    if (r == 0) {
        native_share_scope(p, &item);
        if (item.n_songs == 0)
            r = -ENOENT;
    }
    LibraryShare share;
    if (r == 0)
        r = library_share_create(conn, req->arena, p->user_id, kind, item_id, description,
                                 expires_at, allow_download, now, &share);
    db_release(conn);
    if (r == ERR_LIMIT)
        r = api_error(req, res, 400, "limit_exceeded", "too many shares; revoke some first");
    else if (r < 0)
        r = api_error_from(req, res, r);
    else
        r = api_json_respond(req, res, 201, native_share_json(req, &share, now));
out_body:
    json_decref(body);
    return r;
}

int native_shares_list(HttpRequest *req, HttpResponse *res)
{
    DbConn *conn;
    const Principal *p = native_share_principal_conn(req, res, &conn);
    if (!p)
        return 0;
    LibraryShare *items;
    size_t n;
    int r = library_share_list(conn, req->arena, p->user_id, &items, &n);
    db_release(conn);
    if (r < 0)
        return api_error_from(req, res, r);
    int64_t now = native_share_now();
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, native_share_json(req, &items[i], now));
    return api_paged(req, res, arr, NULL);
}

int native_shares_get(HttpRequest *req, HttpResponse *res)
{
    DbConn *conn;
    const Principal *p = native_share_principal_conn(req, res, &conn);
    if (!p)
        return 0;
    LibraryShare share;
    int r = library_share_get(conn, req->arena, p->user_id, req->params[0], &share);
    db_release(conn);
    if (r < 0)
        return api_error_from(req, res, r);
    return api_json_respond(req, res, 200, native_share_json(req, &share, native_share_now()));
}

int native_shares_update(HttpRequest *req, HttpResponse *res)
{
    const Principal *p = native_share_principal(req, res);
    if (!p)
        return 0;
    json_t *body;
    if (api_body_object(req, res, &body) < 0)
        return 0;
    int r;
    LibraryShareUpdate u = {0};
    json_t *d = json_object_get(body, "description");
    json_t *dl = json_object_get(body, "allowDownload");
    if (d) {
        u.set_description = true;
        u.description = json_is_null(d) ? "" : json_string_value(d);
        if (!u.description || strlen(u.description) > LIMIT_SHARE_DESCRIPTION_BYTES) {
            r = api_error(req, res, 400, "bad_request",
                          "description must be a string of at most 1024 bytes");
            goto out_body;
        }
    }
    if (dl) {
        if (!json_is_boolean(dl)) {
            r = api_error(req, res, 400, "bad_request", "allowDownload must be true or false");
            goto out_body;
        }
        u.set_allow_download = true;
        u.allow_download = json_is_true(dl);
        if (u.allow_download && !p->may_download) {
            r = api_error(req, res, 403, "forbidden", "this account may not download");
            goto out_body;
        }
    }
    int e = native_share_expiry(body, &u.expires_at);
    if (e < 0) {
        r = api_error(req, res, 400, "bad_request", "expiresAt must be a Unix time in seconds");
        goto out_body;
    }
    u.set_expires_at = e > 0;

    DbConn *conn;
    if (api_conn(req, res, &conn) < 0) {
        r = 0;
        goto out_body;
    }
    LibraryShare share;
    r = library_share_update(conn, p->user_id, req->params[0], &u);
    if (r == 0)
        r = library_share_get(conn, req->arena, p->user_id, req->params[0], &share);
    db_release(conn);
    if (r < 0)
        r = api_error_from(req, res, r);
    else
        r = api_json_respond(req, res, 200, native_share_json(req, &share, native_share_now()));
out_body:
    json_decref(body);
    return r;
}

int native_shares_delete(HttpRequest *req, HttpResponse *res)
{
    DbConn *conn;
    const Principal *p = native_share_principal_conn(req, res, &conn);
    if (!p)
        return 0;
    int r = library_share_delete(conn, p->user_id, req->params[0]);
    db_release(conn);
    if (r < 0)
        return api_error_from(req, res, r);
    http_response_status(res, 204);
    return 0;
}

/* ---- public side ---- */

/* Opens the share named by the route's first placeholder, and counts a visit when `visit`.
 * Answers 404 / 503 itself. Leaves the connection acquired in *ret_conn on success. */
static int native_share_open(HttpRequest *req, HttpResponse *res, bool visit, DbConn **ret_conn,
                             LibraryShare *ret_share)
{
    DbConn *conn;
    int r = api_conn(req, res, &conn);
    if (r < 0)
        return r;
    int64_t now = native_share_now();
    r = library_share_open(conn, req->arena, req->params[0], now, ret_share);
    if (r == 0 && visit)
        r = library_share_visit(conn, ret_share->id, now);
    if (r < 0) {
        db_release(conn);
        if (r == -ENOENT)
            api_error(req, res, 404, "not_found", "no such share, or it has expired");
        else
            api_error_from(req, res, r);
        return r;
    }
    *ret_conn = conn;
    return 0;
}

/* Opens the share and loads its songs. Answers errors itself. */
static int native_share_load(HttpRequest *req, HttpResponse *res, bool visit,
                             LibraryShare *ret_share, LibraryShareItem *ret_item)
{
    DbConn *conn;
    int r = native_share_open(req, res, visit, &conn, ret_share);
    if (r < 0)
        return r;
    r = library_share_songs(conn, req->arena, ret_share, ret_item);
    db_release(conn);
    if (r == -ENOENT)
        api_error(req, res, 404, "not_found", "the shared item is gone");
    else if (r < 0)
        api_error_from(req, res, r);
    return r;
}

static bool native_share_downloads(const LibraryShare *s)
{
    return s->allow_download && s->owner_may_download;
}

int native_shares_info(HttpRequest *req, HttpResponse *res)
{
    LibraryShare share;
    LibraryShareItem item;
    if (native_share_load(req, res, true, &share, &item) < 0)
        return 0;
    bool downloads = native_share_downloads(&share);
    json_t *songs = json_array();
    for (size_t i = 0; songs && i < item.n_songs; i++) {
        const Song *s = &item.songs[i];
        const char *stream = arena_printf(req->arena, "/s/%s/stream/%s", share.id, s->id);
        const char *download =
            downloads ? arena_printf(req->arena, "/s/%s/download/%s", share.id, s->id) : NULL;
        json_array_append_new(
            songs,
            json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o}", "id",
                      api_json_string(req, s->id), "title", api_json_string(req, s->title),
                      "artist", api_json_string(req, s->artist), "album",
                      api_json_string(req, s->album), "track", api_json_opt_int(s->track), "disc",
                      api_json_opt_int(s->disc), "durationMs", (json_int_t)s->duration_ms, "format",
                      api_json_string(req, s->format), "streamUrl", api_json_string(req, stream),
                      "downloadUrl", api_json_string(req, download)));
    }
    const char *cover = arena_printf(req->arena, "/s/%s/cover", share.id);
    json_t *body = songs ? json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o}", "id",
                                     api_json_string(req, share.id), "kind",
                                     library_share_kind_name(share.kind), "name",
                                     api_json_string(req, item.name), "artist",
                                     api_json_string(req, item.artist), "description",
                                     api_json_string(req, share.description), "owner",
                                     api_json_string(req, share.owner_name), "expiresAt",
                                     api_json_opt_int(share.expires_at), "allowDownload", downloads,
                                     "coverUrl", api_json_string(req, cover), "songs", songs)
                         : NULL;
    http_response_header(res, "Cache-Control", "no-store");
    return api_json_respond(req, res, 200, body);
}

/* Appends `s` to `b` with &, <, >, " and ' escaped, after repairing invalid UTF-8. */
static int native_share_html(HttpRequest *req, Buf *b, const char *s)
{
    if (!s)
        return 0;
    if (!utf8_valid(s, strlen(s)))
        s = utf8_repair(req->arena, s);
    if (!s)
        return -ENOMEM;
    int r = 0;
    const char *run = s;
    for (const char *c = s; r == 0; c++) {
        const char *esc = NULL;
        switch (*c) {
        case '&':
            esc = "&amp;";
            break;
        case '<':
            esc = "&lt;";
            break;
        case '>':
            esc = "&gt;";
            break;
        case '"':
            esc = "&quot;";
            break;
        case '\'':
            esc = "&#39;";
            break;
        case '\0':
            return buf_append(b, run, (size_t)(c - run));
        default:
            continue;
        }
        r = buf_append(b, run, (size_t)(c - run));
        if (r == 0)
            r = buf_append_str(b, esc);
        run = c + 1;
    }
    return r;
}

static const char native_share_style[] =
    "body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f5;color:#18181b}"
    "main{max-width:40rem;margin:0 auto;padding:1.5rem}"
    "header{display:flex;gap:1rem;align-items:center;margin-bottom:1rem}"
    "header img{width:8rem;height:8rem;border-radius:.5rem;object-fit:cover;background:#ddd}"
    "h1{font-size:1.5rem;margin:0 0 .25rem}p{margin:.25rem 0}.m{color:#52525b;font-size:.9rem}"
    "ol{list-style:none;padding:0}li{background:#fff;border-radius:.5rem;padding:.75rem;"
    "margin:.5rem 0}li .t{font-weight:600}audio{width:100%;margin-top:.5rem}"
    "a{color:#2563eb}";

/* Writes the page into `b`. Returns 0, -ENOMEM or ERR_LIMIT (past the page maximum). */
static int native_share_page_write(HttpRequest *req, Buf *b, const LibraryShare *share,
                                   const LibraryShareItem *item)
{
    int r = buf_append_str(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                              "<meta name=\"viewport\" content=\"width=device-width,"
                              "initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\">"
                              "<meta name=\"robots\" content=\"noindex\"><title>");
    if (r == 0)
        r = native_share_html(req, b, item->name);
    if (r == 0)
        r = buf_printf(b,
                       "</title><style>%s</style></head><body><main><header>"
                       "<img alt=\"\" src=\"/s/",
                       native_share_style);
    if (r == 0)
        r = native_share_html(req, b, share->id);
    if (r == 0)
        r = buf_append_str(b, "/cover\"><div><h1>");
    if (r == 0)
        r = native_share_html(req, b, item->name);
    if (r == 0)
        r = buf_append_str(b, "</h1>");
    if (r == 0 && item->artist && *item->artist) {
        r = buf_append_str(b, "<p>");
        if (r == 0)
            r = native_share_html(req, b, item->artist);
        if (r == 0)
            r = buf_append_str(b, "</p>");
    }
    if (r == 0 && *share->description) {
        r = buf_append_str(b, "<p>");
        if (r == 0)
            r = native_share_html(req, b, share->description);
        if (r == 0)
            r = buf_append_str(b, "</p>");
    }
    if (r == 0)
        r = buf_append_str(b, "<p class=\"m\">Shared by ");
    if (r == 0)
        r = native_share_html(req, b, share->owner_name);
    if (r == 0)
        r = buf_append_str(b, "</p></div></header><ol>");
    bool downloads = native_share_downloads(share);
    for (size_t i = 0; r == 0 && i < item->n_songs; i++) {
        const Song *s = &item->songs[i];
        int64_t secs = (s->duration_ms + 500) / 1000;
        size_t mark = b->len;
        r = buf_append_str(b, "<li><div class=\"t\">");
        if (r == 0)
            r = native_share_html(req, b, s->title);
        if (r == 0)
            r = buf_append_str(b, "</div><div class=\"m\">");
        if (r == 0)
            r = native_share_html(req, b, s->artist);
        if (r == 0)
            r = buf_printf(b, " &middot; %" PRId64 ":%02" PRId64, secs / 60, secs % 60);
        if (r == 0 && downloads) {
            r = buf_append_str(b, " &middot; <a download href=\"/s/");
            if (r == 0)
                r = native_share_html(req, b, share->id);
            if (r == 0)
                r = buf_append_str(b, "/download/");
            if (r == 0)
                r = native_share_html(req, b, s->id);
            if (r == 0)
                r = buf_append_str(b, "\">Download</a>");
        }
        if (r == 0)
            r = buf_append_str(b, "</div><audio controls preload=\"none\" src=\"/s/");
        if (r == 0)
            r = native_share_html(req, b, share->id);
        if (r == 0)
            r = buf_append_str(b, "/stream/");
        if (r == 0)
            r = native_share_html(req, b, s->id);
        if (r == 0)
            r = buf_append_str(b, "\"></audio></li>");
        if (r == ERR_LIMIT) { /* cut the list here, and say so */
            b->len = mark;
            b->data[mark] = '\0';
            r = buf_append_str(b, "<li>The list is too long to show whole.</li>");
            break;
        }
    }
    if (r == 0)
        r = buf_append_str(b, "</ol></main></body></html>\n");
    return r;
}

int native_shares_page(HttpRequest *req, HttpResponse *res)
{
    LibraryShare share;
    LibraryShareItem item;
    if (native_share_load(req, res, true, &share, &item) < 0)
        return 0;
    Buf b;
    buf_init(&b, NATIVE_SHARE_PAGE_MAX);
    int r = native_share_page_write(req, &b, &share, &item);
    char *page = r == 0 ? arena_strndup(req->arena, b.data, b.len) : NULL;
    size_t len = b.len;
    buf_free(&b);
    if (!page)
        return api_error_from(req, res, r < 0 ? r : -ENOMEM);
    if ((r = http_response_header(res, "Content-Security-Policy", NATIVE_SHARE_PAGE_CSP)) < 0 ||
        (r = http_response_header(res, "Referrer-Policy", "no-referrer")) < 0 ||
        (r = http_response_header(res, "X-Frame-Options", "DENY")) < 0 ||
        (r = http_response_header(res, "Cache-Control", "no-store")) < 0 ||
        (r = http_response_body(res, "text/html; charset=utf-8", page, len)) < 0)
        return api_error_from(req, res, r);
    return 0;
}

/* Loads the shared song of the route's second placeholder. Answers errors itself. */
static int native_share_song(HttpRequest *req, HttpResponse *res, LibraryShare *ret_share,
                             Song *ret_song)
{
    DbConn *conn;
    int r = native_share_open(req, res, false, &conn, ret_share);
    if (r < 0)
        return r;
    r = library_share_song(conn, req->arena, ret_share, req->params[1], ret_song);
    db_release(conn);
    if (r == -ENOENT)
        api_error(req, res, 404, "not_found", "no such song in this share");
    else if (r < 0)
        api_error_from(req, res, r);
    return r;
}

/* Serves the song's file, with `disposition` (NULL: none). Returns 0. */
static int native_share_file(HttpRequest *req, HttpResponse *res, const Song *song,
                             const char *disposition)
{
    int fd = open(song->full_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return api_error(req, res, 404, "not_found", "the file is gone");
    int r = http_response_header(res, "Referrer-Policy", "no-referrer");
    if (r == 0 && disposition)
        r = http_response_header(res, "Content-Disposition", disposition);
    if (r < 0) {
        close(fd);
        return api_error_from(req, res, r);
    }
    r = http_file_respond(req, res, fd, media_content_type(song->format), NATIVE_SHARE_FILE_CACHE);
    return r < 0 ? api_error_from(req, res, r) : 0;
}

int native_shares_stream(HttpRequest *req, HttpResponse *res)
{
    LibraryShare share;
    Song song;
    if (native_share_song(req, res, &share, &song) < 0)
        return 0;
    return native_share_file(req, res, &song, NULL);
}

/* Content-Disposition for a download named from the song's title and its file's extension.
 * Arena-owned or NULL. */
static const char *native_share_disposition(HttpRequest *req, const Song *song)
{
    const char *title = song->title && *song->title ? song->title : "song";
    const char *dot = strrchr(song->path, '.');
    const char *ext = dot && !strchr(dot, '/') && strlen(dot) <= 8 ? dot : "";
    return api_attachment(req, title, ext);
}

int native_shares_download(HttpRequest *req, HttpResponse *res)
{
    LibraryShare share;
    Song song;
    if (native_share_song(req, res, &share, &song) < 0)
        return 0;
    if (!native_share_downloads(&share))
        return api_error(req, res, 403, "forbidden", "this share does not allow downloads");
    const char *disposition = native_share_disposition(req, &song);
    if (!disposition)
        return api_error_from(req, res, -ENOMEM);
    return native_share_file(req, res, &song, disposition);
}

/* True for the errors that mean "this source gives no cover". */
static bool native_share_cover_missing(int r)
{
    return r == -ENOENT || r == -EACCES || r == ERR_LIMIT || r == ERR_PARSE || r == ERR_MEDIA;
}

int native_shares_cover(HttpRequest *req, HttpResponse *res)
{
    const ApiContext *ctx = req->app;
    LibraryShare share;
    LibraryShareItem item;
    if (native_share_load(req, res, false, &share, &item) < 0)
        return 0;
    int r = -ENOENT;
    int fd;
    uint64_t len;
    if (item.cover_id && item.n_songs > 0) {
        DbConn *conn;
        if (api_conn(req, res, &conn) < 0)
            return 0;
        LibraryCover cover;
        r = library_cover_get(conn, req->arena, item.cover_id, &cover);
        db_release(conn);
        if (r == 0)
            r = library_cover_open(ctx->data_dir, &cover, NATIVE_SHARE_COVER_EDGE, MEDIA_IMAGE_JPEG,
                                   &fd, &len);
    }
    if (native_share_cover_missing(r))
        r = library_cover_placeholder_open(ctx->data_dir, NATIVE_SHARE_COVER_EDGE, MEDIA_IMAGE_JPEG,
                                           &fd, &len);
    if (r < 0)
        return api_error_from(req, res, r);
    r = http_response_header(res, "Cache-Control", NATIVE_SHARE_COVER_CACHE);
    if (r < 0) {
        close(fd);
        return api_error_from(req, res, r);
    }
    r = http_response_fd(res, media_image_content_type(MEDIA_IMAGE_JPEG), fd, 0, len);
    return r < 0 ? api_error_from(req, res, r) : 0;
}
