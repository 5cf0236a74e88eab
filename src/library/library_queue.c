/*
 * library_queue.c - now playing, the saved play queue and bookmarks. Queue saves replace
 * every entry in one write transaction; reads filter out songs that are no longer visible.
 */
#include "library/library_queue.h"

#include "core/err.h"
#include "core/limits.h"
#include "library/library_cursor.h"

#include <string.h>

static const char *queue_text(DbStmt *st, Arena *arena, int col, int *oom)
{
    const char *s = db_column_text(st, col);
    char *copy = arena_strdup(arena, s ? s : "");
    if (!copy)
        *oom = 1;
    return copy;
}

static int queue_done(DbStmt *st)
{
    int r = db_step(st);
    return r > 0 ? 0 : r;
}

static bool queue_client_ok(const char *client)
{
    return client && strlen(client) <= LIMIT_CLIENT_NAME_BYTES;
}

/* ---- now playing ---- */

int library_queue_now_playing_set(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                  const char *user_id, const char *client, const char *song_id,
                                  int64_t position_ms, const char *state, int64_t now)
{
    bool stopped = state && strcmp(state, "stopped") == 0;
    if (!state || (!stopped && strcmp(state, "playing") != 0 && strcmp(state, "paused") != 0) ||
        position_ms < 0 || !queue_client_ok(client) || !*client)
        return -EINVAL;
    int r = library_annotate_visible(conn, arena, scope, ANNOTATE_SONG, song_id);
    if (r < 0)
        return r;
    DbStmt *st;
    if (stopped) {
        if ((r = db_prepare(conn, "DELETE FROM now_playing WHERE user_id = ? AND client = ?",
                            &st)) < 0)
            return r;
        if ((r = db_bind_text(st, 1, user_id)) < 0 || (r = db_bind_text(st, 2, client)) < 0)
            goto out_finalize;
        r = queue_done(st);
        goto out_finalize;
    }
    if ((r = db_prepare(conn,
                        "INSERT INTO now_playing (user_id, client, song_id, position_ms, state,"
                        " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, client)"
                        " DO UPDATE SET song_id = excluded.song_id, position_ms ="
                        " excluded.position_ms, state = excluded.state, updated_at ="
                        " excluded.updated_at",
                        &st)) < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0 || (r = db_bind_text(st, 2, client)) < 0 ||
        (r = db_bind_text(st, 3, song_id)) < 0 || (r = db_bind_int64(st, 4, position_ms)) < 0 ||
        (r = db_bind_text(st, 5, state)) < 0 || (r = db_bind_int64(st, 6, now)) < 0)
        goto out_finalize;
    r = queue_done(st);
out_finalize:
    db_finalize(st);
    return r;
}

int library_queue_now_playing_list(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                   const char *user_id, bool others, int64_t now,
                                   NowPlaying **ret_items, size_t *ret_count)
{
    int binds;
    const char *cond =
        library_annotate_visible_sql(arena, scope, ANNOTATE_SONG, "np.song_id", &binds);
    const char *sql =
        cond ? arena_printf(arena,
                            "SELECT np.user_id, u.username, np.client, np.song_id,"
                            " np.position_ms, np.state, np.updated_at FROM now_playing np"
                            " JOIN users u ON u.id = np.user_id WHERE np.updated_at >= ?%s"
                            " AND %s ORDER BY np.updated_at DESC, np.user_id, np.client LIMIT ?",
                            others ? "" : " AND np.user_id = ?", cond)
             : NULL;
    NowPlaying *items = arena_calloc(arena, LIBRARY_QUEUE_NOW_PLAYING_MAX, sizeof(*items));
    if (!sql || !items)
        return -ENOMEM;
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    int idx = 1;
    if ((r = db_bind_int64(st, idx++, now - LIBRARY_QUEUE_NOW_PLAYING_TTL_S)) < 0)
        goto out_finalize;
    if (!others && (r = db_bind_text(st, idx++, user_id)) < 0)
        goto out_finalize;
    if ((r = library_annotate_scope_bind(st, scope, binds, &idx)) < 0 ||
        (r = db_bind_int64(st, idx, LIBRARY_QUEUE_NOW_PLAYING_MAX)) < 0)
        goto out_finalize;
    size_t n = 0;
    while (n < LIBRARY_QUEUE_NOW_PLAYING_MAX && (r = db_step(st)) == DB_ROW) {
        int oom = 0;
        NowPlaying *e = &items[n];
        e->user_id = queue_text(st, arena, 0, &oom);
        e->username = queue_text(st, arena, 1, &oom);
        e->client = queue_text(st, arena, 2, &oom);
        e->song_id = queue_text(st, arena, 3, &oom);
        e->position_ms = db_column_int64(st, 4);
        e->state = queue_text(st, arena, 5, &oom);
        e->updated_at = db_column_int64(st, 6);
        if (oom) {
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

/* ---- play queue ---- */

/* Checks every id names a visible song, with one prepared statement. */
static int queue_check_songs(DbConn *conn, Arena *arena, const LibraryScope *scope,
                             const char *const *song_ids, size_t n)
{
    int binds;
    const char *cond = library_annotate_visible_sql(arena, scope, ANNOTATE_SONG, "t.id", &binds);
    const char *sql =
        cond ? arena_printf(arena, "SELECT 1 FROM (SELECT CAST(? AS TEXT) AS id) t WHERE %s", cond)
             : NULL;
    if (!sql)
        return -ENOMEM;
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        if (!song_ids[i] || !library_cursor_id_valid(song_ids[i])) {
            r = -ENOENT;
            goto out_finalize;
        }
        int idx = 1;
        if ((r = db_reset(st)) < 0 || (r = db_bind_text(st, idx++, song_ids[i])) < 0 ||
            (r = library_annotate_scope_bind(st, scope, binds, &idx)) < 0 || (r = db_step(st)) < 0)
            goto out_finalize;
        if (r != DB_ROW) {
            r = -ENOENT;
            goto out_finalize;
        }
    }
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* Inside the transaction: the queue row, then its entries. */
static int queue_write(DbConn *conn, const char *user_id, const char *const *song_ids, size_t n,
                       int64_t current_index, int64_t position_ms, const char *client, int64_t now)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "INSERT INTO play_queues (user_id, current_index, position_ms, changed_at,"
                       " changed_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                       " current_index = excluded.current_index, position_ms ="
                       " excluded.position_ms, changed_at = excluded.changed_at, changed_by ="
                       " excluded.changed_by",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0 || (r = db_bind_int64(st, 2, current_index)) < 0 ||
        (r = db_bind_int64(st, 3, position_ms)) < 0 || (r = db_bind_int64(st, 4, now)) < 0 ||
        (r = db_bind_text(st, 5, client)) < 0 || (r = queue_done(st)) < 0)
        goto out_finalize;
    db_finalize(st);
    if ((r = db_prepare(conn, "DELETE FROM play_queue_entries WHERE user_id = ?", &st)) < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0 || (r = queue_done(st)) < 0)
        goto out_finalize;
    db_finalize(st);
    if ((r = db_prepare(conn,
                        "INSERT INTO play_queue_entries (user_id, position, song_id)"
                        " VALUES (?, ?, ?)",
                        &st)) < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        if ((r = db_reset(st)) < 0 || (r = db_bind_text(st, 1, user_id)) < 0 ||
            (r = db_bind_int64(st, 2, (int64_t)i)) < 0 ||
            (r = db_bind_text(st, 3, song_ids[i])) < 0 || (r = queue_done(st)) < 0)
            goto out_finalize;
    }
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_queue_save(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *user_id,
                       const char *const *song_ids, size_t n, int64_t current_index,
                       int64_t position_ms, const char *client, int64_t now)
{
    if (n > LIMIT_QUEUE_ENTRIES)
        return ERR_LIMIT;
    if (current_index < 0 || (n > 0 && current_index >= (int64_t)n) ||
        (n == 0 && current_index != 0) || position_ms < 0 || !queue_client_ok(client))
        return -EINVAL;
    int r = queue_check_songs(conn, arena, scope, song_ids, n);
    if (r < 0)
        return r;
    if ((r = db_begin_write(conn)) < 0)
        return r;
    if ((r = queue_write(conn, user_id, song_ids, n, current_index, position_ms, client, now)) <
            0 ||
        (r = db_commit(conn)) < 0) {
        db_rollback(conn);
        return r;
    }
    return 0;
}

int library_queue_load(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *user_id,
                       PlayQueue *ret_queue)
{
    PlayQueue q = {0};
    q.changed_by = "";
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT current_index, position_ms, changed_at, changed_by FROM play_queues"
                       " WHERE user_id = ?",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0 || (r = db_step(st)) < 0)
        goto out_finalize;
    if (r == DB_DONE) {
        db_finalize(st);
        if (!(q.song_ids = arena_calloc(arena, 1, sizeof(*q.song_ids))))
            return -ENOMEM;
        *ret_queue = q;
        return 0;
    }
    int64_t saved_index = db_column_int64(st, 0);
    int oom = 0;
    q.position_ms = db_column_int64(st, 1);
    q.changed_at = db_column_int64(st, 2);
    q.changed_by = queue_text(st, arena, 3, &oom);
    db_finalize(st);
    st = NULL;
    q.song_ids = arena_calloc(arena, LIMIT_QUEUE_ENTRIES + 1, sizeof(*q.song_ids));
    int binds;
    const char *cond =
        library_annotate_visible_sql(arena, scope, ANNOTATE_SONG, "e.song_id", &binds);
    const char *sql = cond ? arena_printf(arena,
                                          "SELECT e.position, e.song_id FROM play_queue_entries e"
                                          " WHERE e.user_id = ? AND %s ORDER BY e.position LIMIT ?",
                                          cond)
                           : NULL;
    if (oom || !q.song_ids || !sql)
        return -ENOMEM;
    if ((r = db_prepare(conn, sql, &st)) < 0)
        return r;
    int idx = 1;
    if ((r = db_bind_text(st, idx++, user_id)) < 0 ||
        (r = library_annotate_scope_bind(st, scope, binds, &idx)) < 0 ||
        (r = db_bind_int64(st, idx, LIMIT_QUEUE_ENTRIES)) < 0)
        goto out_finalize;
    int64_t before_current = 0;
    while (q.n < LIMIT_QUEUE_ENTRIES && (r = db_step(st)) == DB_ROW) {
        if (db_column_int64(st, 0) < saved_index)
            before_current++;
        if (!(q.song_ids[q.n++] = queue_text(st, arena, 1, &oom))) {
            r = -ENOMEM;
            goto out_finalize;
        }
    }
    if (r < 0)
        goto out_finalize;
    q.current_index = q.n == 0                        ? 0
                      : before_current < (int64_t)q.n ? before_current
                                                      : (int64_t)q.n - 1;
    *ret_queue = q;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* ---- bookmarks ---- */

int library_queue_bookmark_set(DbConn *conn, Arena *arena, const LibraryScope *scope,
                               const char *user_id, const char *song_id, int64_t position_ms,
                               const char *comment, int64_t now)
{
    if (position_ms < 0 || !comment || strlen(comment) > LIMIT_BOOKMARK_COMMENT_BYTES)
        return -EINVAL;
    int r = library_annotate_visible(conn, arena, scope, ANNOTATE_SONG, song_id);
    if (r < 0)
        return r;
    DbStmt *st;
    if ((r = db_prepare(conn,
                        "INSERT INTO bookmarks (user_id, song_id, position_ms, comment, created_at,"
                        " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, song_id)"
                        " DO UPDATE SET position_ms = excluded.position_ms, comment ="
                        " excluded.comment, updated_at = excluded.updated_at",
                        &st)) < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0 || (r = db_bind_text(st, 2, song_id)) < 0 ||
        (r = db_bind_int64(st, 3, position_ms)) < 0 || (r = db_bind_text(st, 4, comment)) < 0 ||
        (r = db_bind_int64(st, 5, now)) < 0 || (r = db_bind_int64(st, 6, now)) < 0)
        goto out_finalize;
    r = queue_done(st);
out_finalize:
    db_finalize(st);
    return r;
}

int library_queue_bookmark_delete(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                  const char *user_id, const char *song_id)
{
    int r = library_annotate_visible(conn, arena, scope, ANNOTATE_SONG, song_id);
    if (r < 0)
        return r;
    DbStmt *st;
    if ((r = db_prepare(conn, "DELETE FROM bookmarks WHERE user_id = ? AND song_id = ?", &st)) < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0 || (r = db_bind_text(st, 2, song_id)) < 0 ||
        (r = queue_done(st)) < 0)
        goto out_finalize;
    r = db_changes(st) > 0 ? 0 : -ENOENT;
out_finalize:
    db_finalize(st);
    return r;
}

int library_queue_bookmarks(DbConn *conn, Arena *arena, const LibraryScope *scope,
                            const char *user_id, const char *cursor, int limit,
                            Bookmark **ret_items, size_t *ret_count, const char **ret_next)
{
    if (limit < 1 || limit > LIMIT_PAGE_MAX)
        return -EINVAL;
    const char *parts[2];
    int64_t after_time = 0;
    int r;
    if (cursor && ((r = library_cursor_unpack(arena, cursor, 2, parts)) < 0 ||
                   (r = library_cursor_int(parts[0], &after_time)) < 0))
        return r;
    int binds;
    const char *cond =
        library_annotate_visible_sql(arena, scope, ANNOTATE_SONG, "b.song_id", &binds);
    const char *sql =
        cond ? arena_printf(arena,
                            "SELECT b.song_id, b.position_ms, b.comment, b.created_at,"
                            " b.updated_at FROM bookmarks b WHERE b.user_id = ?%s AND %s"
                            " ORDER BY b.updated_at DESC, b.song_id DESC LIMIT ?",
                            cursor ? " AND (b.updated_at, b.song_id) < (?, ?)" : "", cond)
             : NULL;
    Bookmark *items = arena_calloc(arena, (size_t)limit, sizeof(*items));
    if (!sql || !items)
        return -ENOMEM;
    DbStmt *st;
    if ((r = db_prepare(conn, sql, &st)) < 0)
        return r;
    int idx = 1;
    if ((r = db_bind_text(st, idx++, user_id)) < 0)
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
        int oom = 0;
        items[n].song_id = queue_text(st, arena, 0, &oom);
        items[n].position_ms = db_column_int64(st, 1);
        items[n].comment = queue_text(st, arena, 2, &oom);
        items[n].created_at = db_column_int64(st, 3);
        items[n].updated_at = db_column_int64(st, 4);
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
        const char *np[2] = {library_cursor_fmt_int(arena, items[n - 1].updated_at),
                             items[n - 1].song_id};
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
