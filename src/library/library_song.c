/*
 * library_song.c - song queries used by api/. One SELECT column list, one row reader, so
 * every query returns songs the same way.
 */
#include "library/library_song.h"

#include "core/err.h"
#include "core/limits.h"

#include <sodium.h>
#include <string.h>

#define SONG_COLUMNS                                                                               \
    "s.id, s.library_id, s.path, l.path, s.size, s.mtime, s.format, s.codec, s.duration_ms, "      \
    "s.bitrate, s.sample_rate, s.channels, s.title, s.artist, s.album, s.album_artist, "           \
    "s.genre, s.track_no, s.disc_no, s.year, s.artist_id, s.album_id, s.sort_title"

#define SONG_FROM " FROM songs s JOIN libraries l ON l.id = s.library_id WHERE s.missing = 0"

static const char *song_text(DbStmt *st, Arena *arena, int col)
{
    const char *s = db_column_text(st, col);
    return arena_strdup(arena, s ? s : "");
}

/* Reads the current row of a SONG_COLUMNS query. Returns 0 or -ENOMEM. */
static int song_read(DbStmt *st, Arena *arena, Song *s, const char **ret_sort_key)
{
    s->id = song_text(st, arena, 0);
    s->library_id = db_column_int64(st, 1);
    s->path = song_text(st, arena, 2);
    const char *root = db_column_text(st, 3);
    s->full_path = arena_printf(arena, "%s/%s", root ? root : "", s->path ? s->path : "");
    s->size = db_column_int64(st, 4);
    s->mtime = db_column_int64(st, 5);
    s->format = song_text(st, arena, 6);
    s->codec = song_text(st, arena, 7);
    s->duration_ms = db_column_int64(st, 8);
    s->bitrate = db_column_int64(st, 9);
    s->sample_rate = db_column_int64(st, 10);
    s->channels = db_column_int64(st, 11);
    s->title = song_text(st, arena, 12);
    s->artist = song_text(st, arena, 13);
    s->album = song_text(st, arena, 14);
    s->album_artist = song_text(st, arena, 15);
    s->genre = song_text(st, arena, 16);
    s->track = db_column_int64(st, 17);
    s->disc = db_column_int64(st, 18);
    s->year = db_column_int64(st, 19);
    s->artist_id = song_text(st, arena, 20);
    s->album_id = song_text(st, arena, 21);
    const char *sort_key = song_text(st, arena, 22);
    if (!s->id || !s->path || !s->full_path || !s->format || !s->codec || !s->title || !s->artist ||
        !s->album || !s->album_artist || !s->genre || !s->artist_id || !s->album_id || !sort_key)
        return -ENOMEM;
    if (ret_sort_key)
        *ret_sort_key = sort_key;
    return 0;
}

/* Ids are produced by the scanner: lowercase hex. Anything else cannot exist. */
static int song_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > LIMIT_ID_BYTES)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return 0;
    }
    return 1;
}

int library_song_get(DbConn *conn, Arena *arena, const char *id, Song *ret_song)
{
    if (!song_id_valid(id))
        return -ENOENT;
    DbStmt *st;
    int r = db_prepare(conn, "SELECT " SONG_COLUMNS SONG_FROM " AND s.id = ?", &st);
    if (r < 0)
        return r;
    r = db_bind_text(st, 1, id);
    if (r < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_DONE) {
        r = -ENOENT;
    } else if (r == DB_ROW) {
        Song s;
        r = song_read(st, arena, &s, NULL);
        if (r == 0)
            *ret_song = s;
    }
out_finalize:
    db_finalize(st);
    return r;
}

int library_song_list(DbConn *conn, Arena *arena, const char *cursor, int limit, Song **ret_songs,
                      size_t *ret_count, const char **ret_next)
{
    if (limit < 1 || limit > LIMIT_PAGE_MAX)
        return -EINVAL;
    const char *after_key = NULL, *after_id = NULL;
    if (cursor) {
        int r = library_cursor_decode(arena, cursor, &after_key, &after_id);
        if (r < 0)
            return r;
    }
    Song *songs = arena_calloc(arena, (size_t)limit + 1, sizeof(*songs));
    const char **keys = arena_calloc(arena, (size_t)limit + 1, sizeof(*keys));
    if (!songs || !keys)
        return -ENOMEM;

    DbStmt *st;
    int r =
        db_prepare(conn,
                   cursor ? "SELECT " SONG_COLUMNS SONG_FROM " AND (s.sort_title, s.id) > (?, ?)"
                            " ORDER BY s.sort_title, s.id LIMIT ?"
                          : "SELECT " SONG_COLUMNS SONG_FROM " ORDER BY s.sort_title, s.id LIMIT ?",
                   &st);
    if (r < 0)
        return r;
    int idx = 1;
    if (cursor) {
        if ((r = db_bind_text(st, idx++, after_key)) < 0 ||
            (r = db_bind_text(st, idx++, after_id)) < 0)
            goto out_finalize;
    }
    /* One row more than asked tells whether a next page exists. */
    if ((r = db_bind_int64(st, idx, limit + 1)) < 0)
        goto out_finalize;
    size_t n = 0;
    while ((r = db_step(st)) == DB_ROW) {
        if (n == (size_t)limit + 1)
            break;
        r = song_read(st, arena, &songs[n], &keys[n]);
        if (r < 0)
            goto out_finalize;
        n++;
    }
    if (r < 0)
        goto out_finalize;
    const char *next = NULL;
    if (n > (size_t)limit) {
        n = (size_t)limit;
        next = library_cursor_encode(arena, keys[n - 1], songs[n - 1].id);
        if (!next) {
            r = -ENOMEM;
            goto out_finalize;
        }
    }
    *ret_songs = songs;
    *ret_count = n;
    *ret_next = next;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* A cursor is base64url (no padding) of "sort_key \x1f id". */
const char *library_cursor_encode(Arena *arena, const char *sort_key, const char *id)
{
    size_t klen = strlen(sort_key), ilen = strlen(id);
    size_t raw_len = klen + 1 + ilen;
    char *raw = arena_alloc(arena, raw_len);
    if (!raw)
        return NULL;
    memcpy(raw, sort_key, klen);
    raw[klen] = '\x1f';
    memcpy(raw + klen + 1, id, ilen);
    size_t out_len = sodium_base64_encoded_len(raw_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(arena, out_len);
    if (!out)
        return NULL;
    return sodium_bin2base64(out, out_len, (const unsigned char *)raw, raw_len,
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int library_cursor_decode(Arena *arena, const char *cursor, const char **ret_sort_key,
                          const char **ret_id)
{
    size_t clen = strlen(cursor);
    if (clen == 0 || clen > LIMIT_CURSOR_BYTES)
        return ERR_PARSE;
    unsigned char *raw = arena_alloc(arena, clen + 1);
    if (!raw)
        return -ENOMEM;
    size_t raw_len;
    if (sodium_base642bin(raw, clen, cursor, clen, NULL, &raw_len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return ERR_PARSE;
    const unsigned char *sep = memchr(raw, '\x1f', raw_len);
    if (!sep || memchr(raw, '\0', raw_len))
        return ERR_PARSE;
    size_t klen = (size_t)(sep - raw);
    const char *key = arena_strndup(arena, (const char *)raw, klen);
    const char *id = arena_strndup(arena, (const char *)sep + 1, raw_len - klen - 1);
    if (!key || !id)
        return -ENOMEM;
    if (!song_id_valid(id))
        return ERR_PARSE;
    *ret_sort_key = key;
    *ret_id = id;
    return 0;
}
