/* library_radio.c - internet radio stations in the radio_stations table. */
#include "library/library_radio.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/utf8.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

#define RADIO_ID_RAW_BYTES 12 /* random bytes of an id, written as 24 hex characters */

bool library_radio_url_valid(const char *url)
{
    size_t n = url ? strlen(url) : 0;
    size_t scheme;
    if (n == 0 || n > LIMIT_RADIO_URL_BYTES)
        return false;
    if (strncasecmp(url, "http://", 7) == 0)
        scheme = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        scheme = 8;
    else
        return false;
    /* A host must follow: not empty, not starting with a path, query or userinfo end. */
    if (url[scheme] == '\0' || strchr("/?#@:", url[scheme]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f)
            return false;
    }
    return utf8_valid(url, n);
}

bool library_radio_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > LIMIT_RADIO_NAME_BYTES || !utf8_valid(name, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

/* Checks a station's fields; home page may be NULL or "". */
static bool radio_fields_valid(const char *name, const char *stream_url, const char *home_page_url)
{
    return library_radio_name_valid(name) && library_radio_url_valid(stream_url) &&
           (!home_page_url || !*home_page_url || library_radio_url_valid(home_page_url));
}

static const char *radio_text(DbStmt *st, Arena *arena, int col)
{
    const char *t = db_column_text(st, col);
    return arena_strdup(arena, t ? t : "");
}

int library_radio_list(DbConn *conn, Arena *arena, RadioStation **ret_items, size_t *ret_count)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT id, name, stream_url, home_page_url FROM radio_stations"
                       " ORDER BY name, id LIMIT ?",
                       &st);
    if (r < 0)
        return r;
    /* At most LIMIT_RADIO_STATIONS rows (32 KiB of pointers): one allocation. */
    RadioStation *items = arena_alloc(arena, LIMIT_RADIO_STATIONS * sizeof(*items));
    size_t n = 0;
    if (!items) {
        db_finalize(st);
        return -ENOMEM;
    }
    if ((r = db_bind_int64(st, 1, LIMIT_RADIO_STATIONS)) < 0)
        goto out_finalize;
    while (n < LIMIT_RADIO_STATIONS && (r = db_step(st)) == DB_ROW) {
        RadioStation *s = &items[n];
        s->id = radio_text(st, arena, 0);
        s->name = radio_text(st, arena, 1);
        s->stream_url = radio_text(st, arena, 2);
        s->home_page_url = radio_text(st, arena, 3);
        if (!s->id || !s->name || !s->stream_url || !s->home_page_url) {
            r = -ENOMEM;
            goto out_finalize;
        }
        n++;
    }
    if (r < 0)
        goto out_finalize;
    *ret_items = items;
    *ret_count = n;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* Counts the stations. */
static int radio_count(DbConn *conn, int64_t *ret_count)
{
    DbStmt *st;
    int r = db_prepare(conn, "SELECT COUNT(*) FROM radio_stations", &st);
    if (r < 0)
        return r;
    if ((r = db_step(st)) == DB_ROW) {
        *ret_count = db_column_int64(st, 0);
        r = 0;
    } else if (r >= 0) {
        r = ERR_DB;
    }
    db_finalize(st);
    return r;
}

int library_radio_create(DbConn *conn, Arena *arena, const char *name, const char *stream_url,
                         const char *home_page_url, int64_t now, const char **ret_id)
{
    if (!radio_fields_valid(name, stream_url, home_page_url))
        return -EINVAL;
    unsigned char raw[RADIO_ID_RAW_BYTES];
    char id[RADIO_ID_RAW_BYTES * 2 + 1];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(id, sizeof(id), raw, sizeof(raw));
    const char *copy = arena_strdup(arena, id);
    if (!copy)
        return -ENOMEM;

    int r = db_begin_write(conn);
    if (r < 0)
        return r;
    int64_t count;
    if ((r = radio_count(conn, &count)) < 0)
        goto out_rollback;
    if (count >= LIMIT_RADIO_STATIONS) {
        r = ERR_LIMIT;
        goto out_rollback;
    }
    DbStmt *st;
    if ((r = db_prepare(conn,
                        "INSERT INTO radio_stations (id, name, stream_url, home_page_url,"
                        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                        &st)) < 0)
        goto out_rollback;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_text(st, 2, name)) < 0 ||
        (r = db_bind_text(st, 3, stream_url)) < 0 ||
        (r = db_bind_text(st, 4, home_page_url ? home_page_url : "")) < 0 ||
        (r = db_bind_int64(st, 5, now)) < 0 || (r = db_bind_int64(st, 6, now)) < 0 ||
        (r = db_step(st)) < 0) {
        db_finalize(st);
        goto out_rollback;
    }
    db_finalize(st);
    if ((r = db_commit(conn)) < 0)
        goto out_rollback;
    *ret_id = copy;
    return 0;
out_rollback:
    db_rollback(conn);
    return r;
}

int library_radio_update(DbConn *conn, const char *id, const char *name, const char *stream_url,
                         const char *home_page_url, int64_t now)
{
    if (!radio_fields_valid(name, stream_url, home_page_url))
        return -EINVAL;
    DbStmt *st;
    int r = db_prepare(conn,
                       "UPDATE radio_stations SET name = ?, stream_url = ?, home_page_url = ?,"
                       " updated_at = ? WHERE id = ?",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, name)) < 0 || (r = db_bind_text(st, 2, stream_url)) < 0 ||
        (r = db_bind_text(st, 3, home_page_url ? home_page_url : "")) < 0 ||
        (r = db_bind_int64(st, 4, now)) < 0 || (r = db_bind_text(st, 5, id)) < 0 ||
        (r = db_step(st)) < 0)
        goto out_finalize;
    r = db_changes(st) > 0 ? 0 : -ENOENT;
out_finalize:
    db_finalize(st);
    return r;
}

int library_radio_delete(DbConn *conn, const char *id)
{
    DbStmt *st;
    int r = db_prepare(conn, "DELETE FROM radio_stations WHERE id = ?", &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_step(st)) < 0)
        goto out_finalize;
    r = db_changes(st) > 0 ? 0 : -ENOENT;
out_finalize:
    db_finalize(st);
    return r;
}
