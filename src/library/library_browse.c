/*
 * library_browse.c - artist, album, genre, year and folder queries. Each list is a keyset
 * range scan on the index named in library_browse.h; one row reader per object kind.
 */
#include "library/library_browse.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"

#include <sodium.h>
#include <string.h>

#define ARTIST_COLUMNS "r.id, r.name, r.image_id, r.album_count, r.song_count, r.sort_name"

#define ALBUM_COLUMNS                                                                              \
    "a.id, a.name, a.album_artist, a.artist_id, a.year, a.original_year, a.release_date, "         \
    "a.compilation, a.mbid, a.cover_id, a.song_count, a.disc_count, a.duration_ms, "               \
    "a.created_at, a.sort_name, a.artist_sort"

#define GENRE_COLUMNS "g.id, g.name, g.song_count, g.album_count, g.sort_name"

#define FOLDER_COLUMNS                                                                             \
    "f.id, CASE WHEN f.path = '' THEN l.name ELSE f.name END, f.path, f.parent_id, "               \
    "f.library_id, f.cover_id, f.sort_name"
#define FOLDER_FROM " FROM folders f JOIN libraries l ON l.id = f.library_id WHERE f.missing = 0"

/* Copies column `col` (NULL and "" give `dflt`). Sets *oom when out of memory. */
static const char *browse_text(DbStmt *st, Arena *arena, int col, const char *dflt, int *oom)
{
    const char *s = db_column_text(st, col);
    if (!s || !*s) {
        if (!dflt)
            return NULL;
        s = dflt;
    }
    char *copy = arena_strdup(arena, s);
    if (!copy)
        *oom = 1;
    return copy;
}

static int browse_limit_ok(int limit)
{
    return limit >= 1 && limit <= LIMIT_PAGE_MAX;
}

/* ---- artists ---- */

static int browse_artist_read(DbStmt *st, Arena *arena, Artist *a, const char **ret_sort)
{
    int oom = 0;
    a->id = browse_text(st, arena, 0, "", &oom);
    a->name = browse_text(st, arena, 1, "", &oom);
    a->image_id = browse_text(st, arena, 2, NULL, &oom);
    a->album_count = db_column_int64(st, 3);
    a->song_count = db_column_int64(st, 4);
    const char *sort = browse_text(st, arena, 5, "", &oom);
    if (oom)
        return -ENOMEM;
    if (ret_sort)
        *ret_sort = sort;
    return 0;
}

int library_browse_artists(DbConn *conn, Arena *arena, const char *cursor, int limit,
                           Artist **ret_items, size_t *ret_count, const char **ret_next)
{
    if (!browse_limit_ok(limit))
        return -EINVAL;
    const char *parts[2];
    int r;
    if (cursor && (r = library_cursor_unpack(arena, cursor, 2, parts)) < 0)
        return r;
    Artist *items = arena_calloc(arena, (size_t)limit, sizeof(*items));
    const char *last_sort = NULL;
    if (!items)
        return -ENOMEM;
    DbStmt *st;
    r = db_prepare(conn,
                   cursor ? "SELECT " ARTIST_COLUMNS " FROM artists r"
                            " WHERE (r.sort_name, r.id) > (?, ?) ORDER BY r.sort_name, r.id LIMIT ?"
                          : "SELECT " ARTIST_COLUMNS
                            " FROM artists r ORDER BY r.sort_name, r.id LIMIT ?",
                   &st);
    if (r < 0)
        return r;
    int idx = 1;
    if (cursor && ((r = db_bind_text(st, idx++, parts[0])) < 0 ||
                   (r = db_bind_text(st, idx++, parts[1])) < 0))
        goto out_finalize;
    if ((r = db_bind_int64(st, idx, limit + 1)) < 0)
        goto out_finalize;
    size_t n = 0;
    bool more = false;
    while ((r = db_step(st)) == DB_ROW) {
        if (n == (size_t)limit) {
            more = true;
            break;
        }
        if ((r = browse_artist_read(st, arena, &items[n], &last_sort)) < 0)
            goto out_finalize;
        n++;
    }
    if (r < 0)
        goto out_finalize;
    const char *next = NULL;
    if (more) {
        const char *np[2] = {last_sort, items[n - 1].id};
        if (!(next = library_cursor_pack(arena, np, 2))) {
            r = -ENOMEM;
            goto out_finalize;
        }
    }
    *ret_items = items;
    *ret_count = n;
    *ret_next = next;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_browse_artists_by_id(DbConn *conn, Arena *arena, const char *const *ids, size_t n,
                                 Artist **ret_items, size_t *ret_count)
{
    if (n > LIMIT_PAGE_MAX)
        return -EINVAL;
    Artist *items = arena_calloc(arena, n + 1, sizeof(*items));
    if (!items)
        return -ENOMEM;
    size_t count = 0;
    DbStmt *st = NULL;
    int r = 0;
    if (n &&
        (r = db_prepare(conn, "SELECT " ARTIST_COLUMNS " FROM artists r WHERE r.id = ?", &st)) < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        if (!library_cursor_id_valid(ids[i]))
            continue;
        if ((r = db_reset(st)) < 0 || (r = db_bind_text(st, 1, ids[i])) < 0 ||
            (r = db_step(st)) < 0)
            goto out_finalize;
        if (r == DB_ROW) {
            if ((r = browse_artist_read(st, arena, &items[count], NULL)) < 0)
                goto out_finalize;
            count++;
        }
    }
    *ret_items = items;
    *ret_count = count;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* ---- albums ---- */

typedef struct AlbumKey {
    const char *sort_name;
    const char *artist_sort;
} AlbumKey;

static int browse_album_read(DbStmt *st, Arena *arena, Album *a, AlbumKey *ret_key)
{
    int oom = 0;
    memset(a, 0, sizeof(*a));
    a->id = browse_text(st, arena, 0, "", &oom);
    a->name = browse_text(st, arena, 1, "", &oom);
    a->artist = browse_text(st, arena, 2, "", &oom);
    a->artist_id = browse_text(st, arena, 3, NULL, &oom);
    a->year = db_column_int64(st, 4);
    a->original_year = db_column_int64(st, 5);
    a->release_date = browse_text(st, arena, 6, "", &oom);
    a->compilation = db_column_int64(st, 7) != 0;
    a->mbid = browse_text(st, arena, 8, NULL, &oom);
    a->cover_id = browse_text(st, arena, 9, NULL, &oom);
    a->song_count = db_column_int64(st, 10);
    a->disc_count = db_column_int64(st, 11);
    a->duration_ms = db_column_int64(st, 12);
    a->created_at = db_column_int64(st, 13);
    if (ret_key) {
        ret_key->sort_name = browse_text(st, arena, 14, "", &oom);
        ret_key->artist_sort = browse_text(st, arena, 15, "", &oom);
    }
    return oom ? -ENOMEM : 0;
}

/* Loads the album artists and genres of a page of albums, one query each. */
static int browse_album_attach(DbConn *conn, Arena *arena, Album *albums, size_t n)
{
    if (n == 0)
        return 0;
    const char **ids = arena_calloc(arena, n, sizeof(*ids));
    LibraryRefs *artists = arena_calloc(arena, n, sizeof(*artists));
    LibraryRefs *genres = arena_calloc(arena, n, sizeof(*genres));
    if (!ids || !artists || !genres)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        ids[i] = albums[i].id;
    int r = library_song_refs(conn, arena,
                              "SELECT aa.album_id, r.id, r.name FROM album_artists aa"
                              " JOIN artists r ON r.id = aa.artist_id WHERE aa.album_id IN (",
                              ") ORDER BY aa.album_id, aa.position, r.id", ids, n, artists);
    if (r < 0)
        return r;
    r = library_song_refs(conn, arena,
                          "SELECT ag.album_id, g.id, g.name FROM album_genres ag"
                          " JOIN genres g ON g.id = ag.genre_id WHERE ag.album_id IN (",
                          ") ORDER BY ag.album_id, g.sort_name, g.id", ids, n, genres);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        albums[i].artists = artists[i];
        albums[i].genres = genres[i];
    }
    return 0;
}

/* One list order: SQL for the first page and for the pages after a cursor, and how many
 * cursor parts (the last is the id; LIBRARY_ALBUMS_YEAR/NEWEST lead with an integer). */
typedef struct AlbumOrder {
    const char *first;
    const char *after;
    size_t parts;
} AlbumOrder;

#define ALBUM_SELECT "SELECT " ALBUM_COLUMNS " FROM albums a"

static const AlbumOrder album_orders[] = {
    [LIBRARY_ALBUMS_ALPHA_NAME] = {ALBUM_SELECT " ORDER BY a.sort_name, a.id LIMIT ?",
                                   ALBUM_SELECT " WHERE (a.sort_name, a.id) > (?, ?)"
                                                " ORDER BY a.sort_name, a.id LIMIT ?",
                                   2},
    [LIBRARY_ALBUMS_ALPHA_ARTIST] = {ALBUM_SELECT
                                     " ORDER BY a.artist_sort, a.sort_name, a.id LIMIT ?",
                                     ALBUM_SELECT
                                     " WHERE (a.artist_sort, a.sort_name, a.id) > (?, ?, ?)"
                                     " ORDER BY a.artist_sort, a.sort_name, a.id LIMIT ?",
                                     3},
    [LIBRARY_ALBUMS_NEWEST] = {ALBUM_SELECT " ORDER BY a.created_at DESC, a.id DESC LIMIT ?",
                               ALBUM_SELECT " WHERE (a.created_at, a.id) < (?, ?)"
                                            " ORDER BY a.created_at DESC, a.id DESC LIMIT ?",
                               2},
    [LIBRARY_ALBUMS_YEAR] = {ALBUM_SELECT " WHERE a.year BETWEEN ? AND ?"
                                          " ORDER BY a.year, a.sort_name, a.id LIMIT ?",
                             ALBUM_SELECT " WHERE a.year BETWEEN ? AND ?"
                                          " AND (a.year, a.sort_name, a.id) > (?, ?, ?)"
                                          " ORDER BY a.year, a.sort_name, a.id LIMIT ?",
                             3},
    [LIBRARY_ALBUMS_GENRE] = {ALBUM_SELECT " JOIN album_genres ag ON ag.album_id = a.id"
                                           " WHERE ag.genre_id = ? ORDER BY ag.album_id LIMIT ?",
                              ALBUM_SELECT " JOIN album_genres ag ON ag.album_id = a.id"
                                           " WHERE ag.genre_id = ? AND ag.album_id > ?"
                                           " ORDER BY ag.album_id LIMIT ?",
                              1},
};

/* The descending year range (from > to): the same index read backwards. */
static const AlbumOrder album_year_desc = {
    ALBUM_SELECT " WHERE a.year BETWEEN ? AND ?"
                 " ORDER BY a.year DESC, a.sort_name DESC, a.id DESC LIMIT ?",
    ALBUM_SELECT " WHERE a.year BETWEEN ? AND ? AND (a.year, a.sort_name, a.id) < (?, ?, ?)"
                 " ORDER BY a.year DESC, a.sort_name DESC, a.id DESC LIMIT ?",
    3};

/* `limit` distinct random albums: ids are uniform hashes, so the first id at or after a
 * random hex string is a random album; one indexed lookup each, no table scan. */
static int browse_albums_random(DbConn *conn, Arena *arena, int limit, Album *items,
                                size_t *ret_count)
{
    DbStmt *st;
    int r = db_prepare(conn, ALBUM_SELECT " WHERE a.id >= ? ORDER BY a.id LIMIT 1", &st);
    if (r < 0)
        return r;
    size_t n = 0;
    for (int attempt = 0; attempt < limit * 3 && n < (size_t)limit; attempt++) {
        unsigned char raw[6];
        char hex[sizeof(raw) * 2 + 1];
        randombytes_buf(raw, sizeof(raw));
        str_hex(raw, sizeof(raw), hex);
        if ((r = db_reset(st)) < 0 || (r = db_bind_text(st, 1, hex)) < 0 || (r = db_step(st)) < 0)
            goto out_finalize;
        if (r == DB_DONE) { /* past the last id: wrap around to the first */
            if ((r = db_reset(st)) < 0 || (r = db_bind_text(st, 1, "")) < 0 ||
                (r = db_step(st)) < 0)
                goto out_finalize;
            if (r == DB_DONE)
                break; /* no albums at all */
        }
        const char *id = db_column_text(st, 0);
        bool seen = false;
        for (size_t i = 0; id && i < n && !seen; i++)
            seen = strcmp(items[i].id, id) == 0;
        if (seen)
            continue;
        if ((r = browse_album_read(st, arena, &items[n], NULL)) < 0)
            goto out_finalize;
        n++;
    }
    *ret_count = n;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_browse_albums(DbConn *conn, Arena *arena, const AlbumQuery *q, const char *cursor,
                          int limit, Album **ret_items, size_t *ret_count, const char **ret_next)
{
    if (!browse_limit_ok(limit) || (int)q->list < 0 || q->list > LIBRARY_ALBUMS_RANDOM ||
        (q->list == LIBRARY_ALBUMS_GENRE && !q->genre_id))
        return -EINVAL;
    Album *items = arena_calloc(arena, (size_t)limit, sizeof(*items));
    if (!items)
        return -ENOMEM;
    int r;
    size_t n = 0;
    const char *next = NULL;
    if (q->list == LIBRARY_ALBUMS_RANDOM) {
        if ((r = browse_albums_random(conn, arena, limit, items, &n)) < 0)
            return r;
        goto out_attach;
    }
    bool desc_years = q->list == LIBRARY_ALBUMS_YEAR && q->from > q->to;
    const AlbumOrder *order = desc_years ? &album_year_desc : &album_orders[q->list];
    const char *parts[LIBRARY_CURSOR_PARTS_MAX];
    int64_t after_num = 0;
    if (cursor) {
        if ((r = library_cursor_unpack(arena, cursor, order->parts, parts)) < 0)
            return r;
        if ((q->list == LIBRARY_ALBUMS_NEWEST || q->list == LIBRARY_ALBUMS_YEAR) &&
            (r = library_cursor_int(parts[0], &after_num)) < 0)
            return r;
    }
    DbStmt *st;
    if ((r = db_prepare(conn, cursor ? order->after : order->first, &st)) < 0)
        return r;
    int idx = 1;
    if (q->list == LIBRARY_ALBUMS_YEAR) {
        int64_t lo = desc_years ? q->to : q->from, hi = desc_years ? q->from : q->to;
        if ((r = db_bind_int64(st, idx++, lo)) < 0 || (r = db_bind_int64(st, idx++, hi)) < 0)
            goto out_finalize;
    } else if (q->list == LIBRARY_ALBUMS_GENRE) {
        if ((r = db_bind_text(st, idx++, q->genre_id)) < 0)
            goto out_finalize;
    }
    if (cursor) {
        for (size_t i = 0; i < order->parts; i++) {
            bool numeric =
                i == 0 && (q->list == LIBRARY_ALBUMS_NEWEST || q->list == LIBRARY_ALBUMS_YEAR);
            r = numeric ? db_bind_int64(st, idx++, after_num) : db_bind_text(st, idx++, parts[i]);
            if (r < 0)
                goto out_finalize;
        }
    }
    if ((r = db_bind_int64(st, idx, limit + 1)) < 0)
        goto out_finalize;
    bool more = false;
    AlbumKey key = {0};
    while ((r = db_step(st)) == DB_ROW) {
        if (n == (size_t)limit) {
            more = true;
            break;
        }
        if ((r = browse_album_read(st, arena, &items[n], &key)) < 0)
            goto out_finalize;
        n++;
    }
    if (r < 0)
        goto out_finalize;
    db_finalize(st);
    st = NULL;
    if (more) {
        const Album *last = &items[n - 1];
        const char *np[3];
        size_t k = 0;
        switch (q->list) {
        case LIBRARY_ALBUMS_ALPHA_ARTIST:
            np[k++] = key.artist_sort;
            np[k++] = key.sort_name;
            break;
        case LIBRARY_ALBUMS_NEWEST:
            np[k++] = library_cursor_fmt_int(arena, last->created_at);
            break;
        case LIBRARY_ALBUMS_YEAR:
            np[k++] = library_cursor_fmt_int(arena, last->year);
            np[k++] = key.sort_name;
            break;
        case LIBRARY_ALBUMS_GENRE:
            break;
        default:
            np[k++] = key.sort_name;
            break;
        }
        np[k++] = last->id;
        for (size_t i = 0; i < k; i++) {
            if (!np[i]) {
                r = -ENOMEM;
                goto out_finalize;
            }
        }
        if (!(next = library_cursor_pack(arena, np, k))) {
            r = -ENOMEM;
            goto out_finalize;
        }
    }
out_attach:
    if ((r = browse_album_attach(conn, arena, items, n)) < 0)
        return r;
    *ret_items = items;
    *ret_count = n;
    *ret_next = next;
    return 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_browse_albums_by_id(DbConn *conn, Arena *arena, const char *const *ids, size_t n,
                                Album **ret_items, size_t *ret_count)
{
    if (n > LIMIT_PAGE_MAX)
        return -EINVAL;
    Album *items = arena_calloc(arena, n + 1, sizeof(*items));
    if (!items)
        return -ENOMEM;
    size_t count = 0;
    DbStmt *st = NULL;
    int r = 0;
    if (n && (r = db_prepare(conn, ALBUM_SELECT " WHERE a.id = ?", &st)) < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        if (!library_cursor_id_valid(ids[i]))
            continue;
        if ((r = db_reset(st)) < 0 || (r = db_bind_text(st, 1, ids[i])) < 0 ||
            (r = db_step(st)) < 0)
            goto out_finalize;
        if (r == DB_ROW) {
            if ((r = browse_album_read(st, arena, &items[count], NULL)) < 0)
                goto out_finalize;
            count++;
        }
    }
    db_finalize(st);
    st = NULL;
    if ((r = browse_album_attach(conn, arena, items, count)) < 0)
        return r;
    *ret_items = items;
    *ret_count = count;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_browse_album(DbConn *conn, Arena *arena, const char *id, Album *ret_album,
                         Song **ret_songs, size_t *ret_count)
{
    Album *found;
    size_t n;
    int r = library_browse_albums_by_id(conn, arena, &id, 1, &found, &n);
    if (r < 0)
        return r;
    if (n == 0)
        return -ENOENT;
    Song *songs;
    size_t n_songs;
    r = library_song_album(conn, arena, id, LIBRARY_BROWSE_ALBUM_SONGS_MAX, &songs, &n_songs);
    if (r < 0)
        return r;
    *ret_album = found[0];
    *ret_songs = songs;
    *ret_count = n_songs;
    return 0;
}

int library_browse_artist(DbConn *conn, Arena *arena, const char *id, Artist *ret_artist,
                          Album **ret_albums, size_t *ret_count)
{
    Artist *found;
    size_t n;
    int r = library_browse_artists_by_id(conn, arena, &id, 1, &found, &n);
    if (r < 0)
        return r;
    if (n == 0)
        return -ENOENT;
    Album *albums = arena_calloc(arena, LIBRARY_BROWSE_ARTIST_ALBUMS_MAX, sizeof(*albums));
    if (!albums)
        return -ENOMEM;
    DbStmt *st;
    r = db_prepare(conn,
                   ALBUM_SELECT " JOIN album_artists aa ON aa.album_id = a.id"
                                " WHERE aa.artist_id = ?"
                                " ORDER BY COALESCE(a.year, 0), a.sort_name, a.id LIMIT ?",
                   &st);
    if (r < 0)
        return r;
    size_t count = 0;
    if ((r = db_bind_text(st, 1, id)) < 0 ||
        (r = db_bind_int64(st, 2, LIBRARY_BROWSE_ARTIST_ALBUMS_MAX)) < 0)
        goto out_finalize;
    while ((r = db_step(st)) == DB_ROW) {
        if ((r = browse_album_read(st, arena, &albums[count], NULL)) < 0)
            goto out_finalize;
        count++;
    }
    if (r < 0)
        goto out_finalize;
    db_finalize(st);
    st = NULL;
    if ((r = browse_album_attach(conn, arena, albums, count)) < 0)
        return r;
    *ret_artist = found[0];
    *ret_albums = albums;
    *ret_count = count;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* ---- genres and years ---- */

int library_browse_genres(DbConn *conn, Arena *arena, const char *cursor, int limit,
                          Genre **ret_items, size_t *ret_count, const char **ret_next)
{
    if (!browse_limit_ok(limit))
        return -EINVAL;
    const char *parts[2];
    int r;
    if (cursor && (r = library_cursor_unpack(arena, cursor, 2, parts)) < 0)
        return r;
    Genre *items = arena_calloc(arena, (size_t)limit, sizeof(*items));
    if (!items)
        return -ENOMEM;
    DbStmt *st;
    r = db_prepare(conn,
                   cursor ? "SELECT " GENRE_COLUMNS " FROM genres g"
                            " WHERE (g.sort_name, g.id) > (?, ?) ORDER BY g.sort_name, g.id LIMIT ?"
                          : "SELECT " GENRE_COLUMNS
                            " FROM genres g ORDER BY g.sort_name, g.id LIMIT ?",
                   &st);
    if (r < 0)
        return r;
    int idx = 1;
    if (cursor && ((r = db_bind_text(st, idx++, parts[0])) < 0 ||
                   (r = db_bind_text(st, idx++, parts[1])) < 0))
        goto out_finalize;
    if ((r = db_bind_int64(st, idx, limit + 1)) < 0)
        goto out_finalize;
    size_t n = 0;
    bool more = false;
    const char *last_sort = NULL;
    while ((r = db_step(st)) == DB_ROW) {
        if (n == (size_t)limit) {
            more = true;
            break;
        }
        int oom = 0;
        items[n].id = browse_text(st, arena, 0, "", &oom);
        items[n].name = browse_text(st, arena, 1, "", &oom);
        items[n].song_count = db_column_int64(st, 2);
        items[n].album_count = db_column_int64(st, 3);
        last_sort = browse_text(st, arena, 4, "", &oom);
        if (oom) {
            r = -ENOMEM;
            goto out_finalize;
        }
        n++;
    }
    if (r < 0)
        goto out_finalize;
    const char *next = NULL;
    if (more) {
        const char *np[2] = {last_sort, items[n - 1].id};
        if (!(next = library_cursor_pack(arena, np, 2))) {
            r = -ENOMEM;
            goto out_finalize;
        }
    }
    *ret_items = items;
    *ret_count = n;
    *ret_next = next;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_browse_genre_find(DbConn *conn, Arena *arena, const char *id_or_name,
                              const char **ret_id)
{
    if (strlen(id_or_name) > LIMIT_TAG_BYTES)
        return -ENOENT;
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT id FROM genres WHERE id = ? OR lower(name) = lower(CAST(? AS TEXT))"
                       " ORDER BY CASE WHEN id = ? THEN 0 ELSE 1 END, id LIMIT 1",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id_or_name)) < 0 || (r = db_bind_text(st, 2, id_or_name)) < 0 ||
        (r = db_bind_text(st, 3, id_or_name)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_DONE) {
        r = -ENOENT;
    } else if (r == DB_ROW) {
        const char *id = arena_strdup(arena, db_column_text(st, 0) ? db_column_text(st, 0) : "");
        if (!id) {
            r = -ENOMEM;
            goto out_finalize;
        }
        *ret_id = id;
        r = 0;
    }
out_finalize:
    db_finalize(st);
    return r;
}

/* Distinct years are few; the GROUP BY reads the albums_year index only. */
#define BROWSE_YEARS_MAX 10000

int library_browse_years(DbConn *conn, Arena *arena, YearCount **ret_items, size_t *ret_count)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT year, COUNT(*) FROM albums WHERE year IS NOT NULL AND year > 0"
                       " GROUP BY year ORDER BY year LIMIT ?",
                       &st);
    if (r < 0)
        return r;
    size_t cap = 64, n = 0;
    YearCount *items = arena_calloc(arena, cap, sizeof(*items));
    if (!items) {
        r = -ENOMEM;
        goto out_finalize;
    }
    if ((r = db_bind_int64(st, 1, BROWSE_YEARS_MAX)) < 0)
        goto out_finalize;
    while ((r = db_step(st)) == DB_ROW) {
        if (n == cap) {
            YearCount *grown = arena_calloc(arena, cap * 2, sizeof(*grown));
            if (!grown) {
                r = -ENOMEM;
                goto out_finalize;
            }
            memcpy(grown, items, n * sizeof(*items));
            items = grown;
            cap *= 2;
        }
        items[n].year = db_column_int64(st, 0);
        items[n].album_count = db_column_int64(st, 1);
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

/* ---- folders ---- */

static int browse_folder_read(DbStmt *st, Arena *arena, Folder *f, const char **ret_sort)
{
    int oom = 0;
    f->id = browse_text(st, arena, 0, "", &oom);
    f->name = browse_text(st, arena, 1, "", &oom);
    f->path = browse_text(st, arena, 2, "", &oom);
    f->parent_id = browse_text(st, arena, 3, NULL, &oom);
    f->library_id = db_column_int64(st, 4);
    f->cover_id = browse_text(st, arena, 5, NULL, &oom);
    const char *sort = browse_text(st, arena, 6, "", &oom);
    if (oom)
        return -ENOMEM;
    if (ret_sort)
        *ret_sort = sort;
    return 0;
}

int library_browse_roots(DbConn *conn, Arena *arena, Folder **ret_items, size_t *ret_count)
{
    Folder *items = arena_calloc(arena, LIMIT_MUSIC_DIRS, sizeof(*items));
    if (!items)
        return -ENOMEM;
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT " FOLDER_COLUMNS FOLDER_FROM " AND f.path = ''"
                       " ORDER BY l.name, f.id LIMIT ?",
                       &st);
    if (r < 0)
        return r;
    size_t n = 0;
    if ((r = db_bind_int64(st, 1, LIMIT_MUSIC_DIRS)) < 0)
        goto out_finalize;
    while ((r = db_step(st)) == DB_ROW) {
        if ((r = browse_folder_read(st, arena, &items[n], NULL)) < 0)
            goto out_finalize;
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

/* Folder cursors: ("f", sort_name, id) inside the subfolders, ("s", path, id) inside the
 * songs. */
int library_browse_folder(DbConn *conn, Arena *arena, const char *id, const char *cursor, int limit,
                          Folder *ret_folder, FolderEntry **ret_items, size_t *ret_count,
                          const char **ret_next)
{
    if (!browse_limit_ok(limit))
        return -EINVAL;
    if (!library_cursor_id_valid(id))
        return -ENOENT;
    const char *parts[3] = {NULL, NULL, NULL};
    int r;
    if (cursor) {
        if ((r = library_cursor_unpack(arena, cursor, 3, parts)) < 0)
            return r;
        if (strcmp(parts[0], "f") != 0 && strcmp(parts[0], "s") != 0)
            return ERR_PARSE;
    }
    FolderEntry *items = arena_calloc(arena, (size_t)limit, sizeof(*items));
    Folder *subs = arena_calloc(arena, (size_t)limit, sizeof(*subs));
    if (!items || !subs)
        return -ENOMEM;

    Folder self;
    DbStmt *st;
    if ((r = db_prepare(conn, "SELECT " FOLDER_COLUMNS FOLDER_FROM " AND f.id = ?", &st)) < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_step(st)) < 0)
        goto out_finalize;
    if (r == DB_DONE) {
        r = -ENOENT;
        goto out_finalize;
    }
    if ((r = browse_folder_read(st, arena, &self, NULL)) < 0)
        goto out_finalize;
    db_finalize(st);
    st = NULL;

    size_t n = 0;
    const char *next = NULL;
    const char *last_sort = NULL;
    bool in_songs = cursor && parts[0][0] == 's';
    if (!in_songs) {
        r = db_prepare(conn,
                       cursor ? "SELECT " FOLDER_COLUMNS FOLDER_FROM " AND f.parent_id = ?"
                                " AND (f.sort_name, f.id) > (?, ?) ORDER BY f.sort_name, f.id"
                                " LIMIT ?"
                              : "SELECT " FOLDER_COLUMNS FOLDER_FROM " AND f.parent_id = ?"
                                " ORDER BY f.sort_name, f.id LIMIT ?",
                       &st);
        if (r < 0)
            return r;
        int idx = 1;
        if ((r = db_bind_text(st, idx++, id)) < 0)
            goto out_finalize;
        if (cursor && ((r = db_bind_text(st, idx++, parts[1])) < 0 ||
                       (r = db_bind_text(st, idx++, parts[2])) < 0))
            goto out_finalize;
        if ((r = db_bind_int64(st, idx, limit + 1)) < 0)
            goto out_finalize;
        bool more = false;
        while ((r = db_step(st)) == DB_ROW) {
            if (n == (size_t)limit) {
                more = true;
                break;
            }
            if ((r = browse_folder_read(st, arena, &subs[n], &last_sort)) < 0)
                goto out_finalize;
            items[n].folder = &subs[n];
            n++;
        }
        if (r < 0)
            goto out_finalize;
        db_finalize(st);
        st = NULL;
        if (more) {
            const char *np[3] = {"f", last_sort, subs[n - 1].id};
            if (!(next = library_cursor_pack(arena, np, 3)))
                return -ENOMEM;
        }
    }
    if (!next) {
        /* Songs follow the subfolders; when the page is full, look one song ahead. */
        int want = n < (size_t)limit ? limit - (int)n : 1;
        Song *songs;
        size_t n_songs;
        bool more;
        r = library_song_folder(conn, arena, id, in_songs ? parts[1] : NULL,
                                in_songs ? parts[2] : NULL, want, &songs, &n_songs, &more);
        if (r < 0)
            return r;
        if (n == (size_t)limit) {
            if (n_songs > 0) {
                const char *np[3] = {"f", last_sort, subs[n - 1].id};
                if (!(next = library_cursor_pack(arena, np, 3)))
                    return -ENOMEM;
            }
        } else {
            for (size_t i = 0; i < n_songs; i++)
                items[n++].song = &songs[i];
            if (more && n_songs > 0) {
                const char *np[3] = {"s", songs[n_songs - 1].path, songs[n_songs - 1].id};
                if (!(next = library_cursor_pack(arena, np, 3)))
                    return -ENOMEM;
            }
        }
    }
    *ret_folder = self;
    *ret_items = items;
    *ret_count = n;
    *ret_next = next;
    return 0;
out_finalize:
    db_finalize(st);
    return r;
}
