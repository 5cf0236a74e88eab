/*
 * library_annotate.c - stars and ratings (tables stars, ratings) and the visibility condition
 * shared by every personal query. Lists are keyset scans of the stars_user_time index.
 */
#include "library/library_annotate.h"

#include "core/err.h"
#include "core/limits.h"
#include "library/library_cursor.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *const annotate_kind_names[] = {
    [ANNOTATE_SONG] = "song",
    [ANNOTATE_ALBUM] = "album",
    [ANNOTATE_ARTIST] = "artist",
};

int library_annotate_kind(const char *name, AnnotateKind *ret_kind)
{
    for (int k = ANNOTATE_SONG; name && k <= ANNOTATE_ARTIST; k++) {
        if (strcmp(name, annotate_kind_names[k]) == 0) {
            *ret_kind = (AnnotateKind)k;
            return 0;
        }
    }
    return -EINVAL;
}

const char *library_annotate_kind_name(AnnotateKind kind)
{
    return kind <= ANNOTATE_ARTIST ? annotate_kind_names[kind] : "";
}

/* " AND `column` IN (?, ?, ...)" for a limited scope ("AND 1 = 0" with no library). */
static const char *annotate_scope_in(Arena *arena, const LibraryScope *scope, const char *column)
{
    size_t n = scope->n;
    if (n == 0)
        return " AND 1 = 0";
    if (n > LIMIT_MUSIC_DIRS)
        return NULL;
    char marks[LIMIT_MUSIC_DIRS * 3 + 1];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            marks[o++] = ',';
        marks[o++] = '?';
    }
    marks[o] = '\0';
    return arena_printf(arena, " AND %s IN (%s)", column, marks);
}

const char *library_annotate_visible_sql(Arena *arena, const LibraryScope *scope, AnnotateKind kind,
                                         const char *id_expr, int *ret_binds)
{
    if (library_scope_all(scope)) {
        *ret_binds = 0;
        switch (kind) {
        case ANNOTATE_SONG:
            return arena_printf(
                arena, "EXISTS (SELECT 1 FROM songs s WHERE s.id = %s AND s.missing = 0)", id_expr);
        case ANNOTATE_ALBUM:
            return arena_printf(arena, "EXISTS (SELECT 1 FROM albums va WHERE va.id = %s)",
                                id_expr);
        default:
            return arena_printf(arena, "EXISTS (SELECT 1 FROM artists vr WHERE vr.id = %s)",
                                id_expr);
        }
    }
    /* an artist: its rows of counts per library (migration 0019), as the lists read them */
    const char *in =
        annotate_scope_in(arena, scope, kind == ANNOTATE_ARTIST ? "c.library_id" : "s.library_id");
    if (!in)
        return NULL;
    int per = scope->n > 0 ? 1 : 0;
    switch (kind) {
    case ANNOTATE_SONG:
        *ret_binds = per;
        return arena_printf(arena,
                            "EXISTS (SELECT 1 FROM songs s WHERE s.id = %s AND s.missing = 0%s)",
                            id_expr, in);
    case ANNOTATE_ALBUM:
        *ret_binds = per;
        return arena_printf(
            arena, "EXISTS (SELECT 1 FROM songs s WHERE s.album_id = %s AND s.missing = 0%s)",
            id_expr, in);
    default:
        *ret_binds = per;
        return arena_printf(
            arena, "EXISTS (SELECT 1 FROM artist_library_counts c WHERE c.artist_id = %s%s)",
            id_expr, in);
    }
}

int library_annotate_scope_bind(DbStmt *st, const LibraryScope *scope, int times, int *idx)
{
    if (library_scope_all(scope) || times == 0)
        return 0;
    for (int t = 0; t < times; t++) {
        for (size_t i = 0; i < scope->n; i++) {
            int r = db_bind_int64(st, (*idx)++, scope->ids[i]);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

int library_annotate_visible(DbConn *conn, Arena *arena, const LibraryScope *scope,
                             AnnotateKind kind, const char *id)
{
    if (!id || !library_cursor_id_valid(id) || kind > ANNOTATE_ARTIST)
        return -ENOENT;
    int binds;
    const char *cond = library_annotate_visible_sql(arena, scope, kind, "t.id", &binds);
    const char *sql =
        cond ? arena_printf(arena, "SELECT 1 FROM (SELECT CAST(? AS TEXT) AS id) t WHERE %s", cond)
             : NULL;
    if (!sql)
        return -ENOMEM;
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    int idx = 1;
    if ((r = db_bind_text(st, idx++, id)) < 0 ||
        (r = library_annotate_scope_bind(st, scope, binds, &idx)) < 0 || (r = db_step(st)) < 0)
        goto out_finalize;
    r = r == DB_ROW ? 0 : -ENOENT;
out_finalize:
    db_finalize(st);
    return r;
}

/* Runs one write statement with (user_id, kind, item_id[, value, now]) bound. */
static int annotate_write(DbConn *conn, const char *sql, const char *user_id, AnnotateKind kind,
                          const char *id, int64_t value, int64_t now, int n_params)
{
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0 ||
        (r = db_bind_text(st, 2, library_annotate_kind_name(kind))) < 0 ||
        (r = db_bind_text(st, 3, id)) < 0)
        goto out_finalize;
    if (n_params >= 4 && (r = db_bind_int64(st, 4, value)) < 0)
        goto out_finalize;
    if (n_params >= 5 && (r = db_bind_int64(st, 5, now)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r > 0)
        r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_annotate_star(DbConn *conn, Arena *arena, const LibraryScope *scope,
                          const char *user_id, AnnotateKind kind, const char *id, int64_t now)
{
    int r = library_annotate_visible(conn, arena, scope, kind, id);
    if (r < 0)
        return r;
    return annotate_write(conn,
                          "INSERT INTO stars (user_id, kind, item_id, starred_at)"
                          " VALUES (?, ?, ?, ?) ON CONFLICT (user_id, kind, item_id) DO NOTHING",
                          user_id, kind, id, now, 0, 4);
}

int library_annotate_unstar(DbConn *conn, Arena *arena, const LibraryScope *scope,
                            const char *user_id, AnnotateKind kind, const char *id)
{
    int r = library_annotate_visible(conn, arena, scope, kind, id);
    if (r < 0)
        return r;
    return annotate_write(conn, "DELETE FROM stars WHERE user_id = ? AND kind = ? AND item_id = ?",
                          user_id, kind, id, 0, 0, 3);
}

int library_annotate_rate(DbConn *conn, Arena *arena, const LibraryScope *scope,
                          const char *user_id, AnnotateKind kind, const char *id, int rating,
                          int64_t now)
{
    if (rating < 0 || rating > 5)
        return -EINVAL;
    int r = library_annotate_visible(conn, arena, scope, kind, id);
    if (r < 0)
        return r;
    if (rating == 0)
        return annotate_write(conn,
                              "DELETE FROM ratings WHERE user_id = ? AND kind = ? AND item_id = ?",
                              user_id, kind, id, 0, 0, 3);
    return annotate_write(
        conn,
        "INSERT INTO ratings (user_id, kind, item_id, rating, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, kind, item_id)"
        " DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at",
        user_id, kind, id, rating, now, 5);
}

int library_annotate_get(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *user_id,
                         AnnotateKind kind, const char *id, int64_t *ret_starred_at,
                         int *ret_rating)
{
    int r = library_annotate_visible(conn, arena, scope, kind, id);
    if (r < 0)
        return r;
    DbStmt *st;
    r = db_prepare(conn,
                   "SELECT (SELECT starred_at FROM stars WHERE user_id = ? AND kind = ?"
                   " AND item_id = ?), (SELECT rating FROM ratings WHERE user_id = ?"
                   " AND kind = ? AND item_id = ?)",
                   &st);
    if (r < 0)
        return r;
    for (int i = 0; i < 2; i++) {
        if ((r = db_bind_text(st, 3 * i + 1, user_id)) < 0 ||
            (r = db_bind_text(st, 3 * i + 2, library_annotate_kind_name(kind))) < 0 ||
            (r = db_bind_text(st, 3 * i + 3, id)) < 0)
            goto out_finalize;
    }
    if ((r = db_step(st)) < 0)
        goto out_finalize;
    if (r != DB_ROW) {
        r = ERR_DB;
        goto out_finalize;
    }
    *ret_starred_at = db_column_is_null(st, 0) ? 0 : db_column_int64(st, 0);
    *ret_rating = db_column_is_null(st, 1) ? 0 : (int)db_column_int64(st, 1);
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_annotate_stars(DbConn *conn, Arena *arena, const LibraryScope *scope,
                           const char *user_id, AnnotateKind kind, const char *cursor, int limit,
                           StarEntry **ret_items, size_t *ret_count, const char **ret_next)
{
    if (limit < 1 || limit > LIMIT_PAGE_MAX || kind > ANNOTATE_ARTIST)
        return -EINVAL;
    const char *parts[2];
    int64_t after_time = 0;
    int r;
    if (cursor && ((r = library_cursor_unpack(arena, cursor, 2, parts)) < 0 ||
                   (r = library_cursor_int(parts[0], &after_time)) < 0))
        return r;
    int binds;
    const char *cond = library_annotate_visible_sql(arena, scope, kind, "st.item_id", &binds);
    const char *sql =
        cond ? arena_printf(arena,
                            "SELECT st.item_id, st.starred_at FROM stars st"
                            " WHERE st.user_id = ? AND st.kind = ?%s AND %s"
                            " ORDER BY st.starred_at DESC, st.item_id DESC LIMIT ?",
                            cursor ? " AND (st.starred_at, st.item_id) < (?, ?)" : "", cond)
             : NULL;
    StarEntry *items = arena_calloc(arena, (size_t)limit, sizeof(*items));
    if (!sql || !items)
        return -ENOMEM;
    DbStmt *st;
    if ((r = db_prepare(conn, sql, &st)) < 0)
        return r;
    int idx = 1;
    if ((r = db_bind_text(st, idx++, user_id)) < 0 ||
        (r = db_bind_text(st, idx++, library_annotate_kind_name(kind))) < 0)
        goto out_finalize;
    if (cursor && ((r = db_bind_int64(st, idx++, after_time)) < 0 ||
                   (r = db_bind_text(st, idx++, parts[1])) < 0))
        goto out_finalize;
    if ((r = library_annotate_scope_bind(st, scope, binds, &idx)) < 0 ||
        (r = db_bind_int64(st, idx, limit + 1)) < 0)
        goto out_finalize;
    size_t n = 0;
    bool more = false;
    while ((r = db_step(st)) == DB_ROW) {
        if (n == (size_t)limit) {
            more = true;
            break;
        }
        const char *item = db_column_text(st, 0);
        if (!(items[n].item_id = arena_strdup(arena, item ? item : ""))) {
            r = -ENOMEM;
            goto out_finalize;
        }
        items[n].starred_at = db_column_int64(st, 1);
        n++;
    }
    if (r < 0)
        goto out_finalize;
    const char *next = NULL;
    if (more) {
        const char *np[2] = {library_cursor_fmt_int(arena, items[n - 1].starred_at),
                             items[n - 1].item_id};
        if (!np[0] || !(next = library_cursor_pack(arena, np, 2))) {
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

/* Ids per query of library_annotate_user_data(). */
#define ANNOTATE_BATCH 250

/* One "item_id IN (?, ...)" list of `n` placeholders, from fixed text. */
static char *annotate_placeholders(Arena *arena, size_t n)
{
    char *s = arena_alloc(arena, n * 3 + 1);
    if (!s)
        return NULL;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            s[off++] = ',';
        s[off++] = '?';
    }
    s[off] = '\0';
    return s;
}

/* The ids of one batch, for annotate_order_cmp() (qsort has no context argument). */
typedef struct AnnotateOrder {
    const char *const *ids;
    size_t at;
} AnnotateOrder;

static int annotate_order_cmp(const void *a, const void *b)
{
    const AnnotateOrder *x = a, *y = b;
    return strcmp(x->ids[x->at], y->ids[y->at]);
}

/* Writes to `order` the positions 0..n-1 of `ids` sorted by id. Returns 0 or -ENOMEM. */
static int annotate_sort(Arena *arena, const char *const *ids, size_t n, size_t *order)
{
    AnnotateOrder *tmp = arena_alloc(arena, (n ? n : 1) * sizeof(*tmp));
    if (!tmp)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        tmp[i] = (AnnotateOrder){ids, i};
    qsort(tmp, n, sizeof(*tmp), annotate_order_cmp);
    for (size_t i = 0; i < n; i++)
        order[i] = tmp[i].at;
    return 0;
}

/* The first j with ids[order[j]] not less than `id` (n when none). */
static size_t annotate_find(const char *const *ids, const size_t *order, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ids[order[mid]], id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int annotate_user_batch(DbConn *conn, Arena *arena, const char *user_id, AnnotateKind kind,
                               const char *const *ids, size_t n, AnnotateUserData *data)
{
    /* plays: per song from play_counts, per album from album_play_counts (library_history.h) */
    static const char *const plays[] = {
        [ANNOTATE_SONG] = " UNION ALL SELECT 'p', song_id, count, last_played_at FROM play_counts"
                          " WHERE user_id = ? AND song_id IN (",
        [ANNOTATE_ALBUM] = " UNION ALL SELECT 'p', album_id, count, last_played_at"
                           " FROM album_play_counts WHERE user_id = ? AND album_id IN (",
        [ANNOTATE_ARTIST] = NULL,
    };
    bool with_plays = kind <= ANNOTATE_ARTIST && plays[kind] != NULL;
    const char *in = annotate_placeholders(arena, n);
    const char *sql =
        in ? arena_printf(arena,
                          "SELECT 's', item_id, starred_at, 0 FROM stars WHERE user_id = ?"
                          " AND kind = ? AND item_id IN (%s)"
                          " UNION ALL SELECT 'r', item_id, rating, 0 FROM ratings"
                          " WHERE user_id = ? AND kind = ? AND item_id IN (%s)%s%s%s",
                          in, in, with_plays ? plays[kind] : "", with_plays ? in : "",
                          with_plays ? ")" : "")
           : NULL;
    if (!sql)
        return -ENOMEM;
    size_t *order = arena_alloc(arena, (n ? n : 1) * sizeof(*order));
    if (!order)
        return -ENOMEM;
    int r = annotate_sort(arena, ids, n, order);
    if (r < 0)
        return r;
    DbStmt *st;
    if ((r = db_prepare(conn, sql, &st)) < 0)
        return r;
    int idx = 1;
    for (int part = 0; part < (with_plays ? 3 : 2); part++) {
        if ((r = db_bind_text(st, idx++, user_id)) < 0 ||
            (part < 2 && (r = db_bind_text(st, idx++, library_annotate_kind_name(kind))) < 0))
            goto out_finalize;
        for (size_t i = 0; i < n; i++) {
            if ((r = db_bind_text(st, idx++, ids[i])) < 0)
                goto out_finalize;
        }
    }
    while ((r = db_step(st)) == DB_ROW) {
        const char *what = db_column_text(st, 0);
        const char *id = db_column_text(st, 1);
        if (!what || !id)
            continue;
        /* every position of the id, as an id may repeat (a playlist) */
        for (size_t j = annotate_find(ids, order, n, id); j < n && !strcmp(ids[order[j]], id);
             j++) {
            AnnotateUserData *d = &data[order[j]];
            if (what[0] == 's')
                d->starred_at = db_column_int64(st, 2);
            else if (what[0] == 'r')
                d->rating = (int)db_column_int64(st, 2);
            else {
                d->play_count = db_column_int64(st, 2);
                d->last_played_at = db_column_int64(st, 3);
            }
        }
    }
    r = r == DB_DONE ? 0 : r;
out_finalize:
    db_finalize(st);
    return r;
}

int library_annotate_user_data(DbConn *conn, Arena *arena, const char *user_id, AnnotateKind kind,
                               const char *const *ids, size_t n, AnnotateUserData *ret_data)
{
    memset(ret_data, 0, n * sizeof(*ret_data));
    for (size_t off = 0; off < n; off += ANNOTATE_BATCH) {
        size_t k = n - off < ANNOTATE_BATCH ? n - off : ANNOTATE_BATCH;
        int r = annotate_user_batch(conn, arena, user_id, kind, ids + off, k, ret_data + off);
        if (r < 0)
            return r;
    }
    return 0;
}

int library_annotate_digest(DbConn *conn, const char *user_id, AnnotateKind kind,
                            unsigned char ret_digest[LIBRARY_ANNOTATE_DIGEST_BYTES])
{
    const char *name = library_annotate_kind_name(kind);
    crypto_generichash_state h;
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT 's', item_id, starred_at FROM stars WHERE user_id = ? AND kind = ?"
                       " UNION ALL SELECT 'r', item_id, rating FROM ratings"
                       " WHERE user_id = ? AND kind = ? ORDER BY 1, 2",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0 || (r = db_bind_text(st, 2, name)) < 0 ||
        (r = db_bind_text(st, 3, user_id)) < 0 || (r = db_bind_text(st, 4, name)) < 0)
        goto out_finalize;
    crypto_generichash_init(&h, NULL, 0, LIBRARY_ANNOTATE_DIGEST_BYTES);
    while ((r = db_step(st)) == DB_ROW) {
        const char *what = db_column_text(st, 0);
        const char *id = db_column_text(st, 1);
        /* one fixed-size record per row: what, the value, the id's length, then the id */
        unsigned char rec[1 + 2 * sizeof(int64_t)];
        int64_t value = db_column_int64(st, 2);
        uint64_t len = id ? strlen(id) : 0;
        rec[0] = (unsigned char)(what ? what[0] : '?');
        memcpy(rec + 1, &value, sizeof(value));
        memcpy(rec + 1 + sizeof(value), &len, sizeof(len));
        crypto_generichash_update(&h, rec, sizeof(rec));
        crypto_generichash_update(&h, (const unsigned char *)(id ? id : ""), (size_t)len);
    }
    if (r == DB_DONE) {
        r = 0;
        crypto_generichash_final(&h, ret_digest, LIBRARY_ANNOTATE_DIGEST_BYTES);
    }
out_finalize:
    db_finalize(st);
    return r;
}
