/*
 * library_history.c - plays, play counts and popular songs (tables plays, play_counts,
 * album_play_counts).
 * History pages are keyset scans of plays_user_time; popular songs are an aggregate over the
 * window, hence cached (see library_history.h).
 */
#include "library/library_history.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "library/library_cursor.h"

#include <stdio.h>
#include <string.h>

/* Runs a prepared write with the given text/int parameters (NULL text: int). */
static int history_step_done(DbStmt *st)
{
    int r = db_step(st);
    return r > 0 ? 0 : r;
}

/* Inside the write transaction: is there a play of the song within the duplicate window? */
static int history_is_duplicate(DbConn *conn, const char *user_id, const char *song_id,
                                int64_t played_at, bool *ret_dup)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT 1 FROM plays WHERE user_id = ? AND played_at > ? AND played_at < ?"
                       " AND song_id = ? LIMIT 1",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0 ||
        (r = db_bind_int64(st, 2, played_at - LIBRARY_HISTORY_DUP_S)) < 0 ||
        (r = db_bind_int64(st, 3, played_at + LIBRARY_HISTORY_DUP_S)) < 0 ||
        (r = db_bind_text(st, 4, song_id)) < 0 || (r = db_step(st)) < 0)
        goto out_finalize;
    *ret_dup = r == DB_ROW;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* Counts one play at `played_at` in a counts table: `sql` takes the user, the time and the
 * song, in that order. */
static int history_count(DbConn *conn, const char *sql, const char *user_id, int64_t played_at,
                         const char *song_id)
{
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) == 0 && (r = db_bind_int64(st, 2, played_at)) == 0 &&
        (r = db_bind_text(st, 3, song_id)) == 0)
        r = history_step_done(st);
    db_finalize(st);
    return r;
}

/* The counts of a play: the song's, and its album's (migration 0017) as the song has it now. */
static const char *const history_counts[] = {
    "INSERT INTO play_counts (user_id, last_played_at, count, song_id)"
    " VALUES (?, ?, 1, ?) ON CONFLICT (user_id, song_id) DO UPDATE SET"
    " count = play_counts.count + 1, last_played_at = CASE"
    " WHEN excluded.last_played_at > play_counts.last_played_at"
    " THEN excluded.last_played_at ELSE play_counts.last_played_at END",
    "INSERT INTO album_play_counts (user_id, last_played_at, count, album_id)"
    " SELECT ?, ?, 1, s.album_id FROM songs s WHERE s.id = ? AND s.album_id IS NOT NULL"
    " ON CONFLICT (user_id, album_id) DO UPDATE SET"
    " count = album_play_counts.count + 1, last_played_at = CASE"
    " WHEN excluded.last_played_at > album_play_counts.last_played_at"
    " THEN excluded.last_played_at ELSE album_play_counts.last_played_at END",
};

static int history_insert(DbConn *conn, const char *user_id, const char *song_id, int64_t played_at,
                          const char *client)
{
    DbStmt *st;
    int r = db_prepare(
        conn, "INSERT INTO plays (user_id, song_id, played_at, client) VALUES (?, ?, ?, ?)", &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) == 0 && (r = db_bind_text(st, 2, song_id)) == 0 &&
        (r = db_bind_int64(st, 3, played_at)) == 0 && (r = db_bind_text(st, 4, client)) == 0)
        r = history_step_done(st);
    db_finalize(st);
    for (size_t i = 0; r == 0 && i < sizeof(history_counts) / sizeof(history_counts[0]); i++)
        r = history_count(conn, history_counts[i], user_id, played_at, song_id);
    return r;
}

int library_history_scrobble(DbConn *conn, CacheKv *cache, Arena *arena, const LibraryScope *scope,
                             const char *user_id, const char *song_id, int64_t played_at,
                             const char *client, int64_t now, bool *ret_recorded)
{
    if (played_at < 0 || played_at > now + LIBRARY_HISTORY_FUTURE_S || !client ||
        strlen(client) > LIMIT_CLIENT_NAME_BYTES)
        return -EINVAL;
    int r = library_annotate_visible(conn, arena, scope, ANNOTATE_SONG, song_id);
    if (r < 0)
        return r;
    if ((r = db_begin_write(conn)) < 0)
        return r;
    bool dup = false;
    if ((r = history_is_duplicate(conn, user_id, song_id, played_at, &dup)) < 0)
        goto out_rollback;
    if (!dup && (r = history_insert(conn, user_id, song_id, played_at, client)) < 0)
        goto out_rollback;
    if ((r = db_commit(conn)) < 0)
        goto out_rollback;
    if (!dup && cache) {
        int64_t version;
        (void)cache_kv_bump(cache, LIBRARY_HISTORY_POPULAR_VERSION, &version); /* TTL backstop */
    }
    *ret_recorded = !dup;
    return 0;
out_rollback:
    db_rollback(conn);
    return r;
}

int library_history_list(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *user_id,
                         const char *cursor, int limit, PlayEntry **ret_items, size_t *ret_count,
                         const char **ret_next)
{
    if (limit < 1 || limit > LIMIT_PAGE_MAX)
        return -EINVAL;
    const char *parts[2];
    int64_t after_time = 0, after_id = 0;
    int r;
    if (cursor && ((r = library_cursor_unpack(arena, cursor, 2, parts)) < 0 ||
                   (r = library_cursor_int(parts[0], &after_time)) < 0 ||
                   (r = library_cursor_int(parts[1], &after_id)) < 0))
        return r;
    int binds;
    const char *cond =
        library_annotate_visible_sql(arena, scope, ANNOTATE_SONG, "p.song_id", &binds);
    const char *sql =
        cond ? arena_printf(arena,
                            "SELECT p.id, p.song_id, p.played_at, p.client FROM plays p"
                            " WHERE p.user_id = ?%s AND %s"
                            " ORDER BY p.played_at DESC, p.id DESC LIMIT ?",
                            cursor ? " AND (p.played_at, p.id) < (?, ?)" : "", cond)
             : NULL;
    PlayEntry *items = arena_calloc(arena, (size_t)limit, sizeof(*items));
    if (!sql || !items)
        return -ENOMEM;
    DbStmt *st;
    if ((r = db_prepare(conn, sql, &st)) < 0)
        return r;
    int idx = 1;
    if ((r = db_bind_text(st, idx++, user_id)) < 0)
        goto out_finalize;
    if (cursor && ((r = db_bind_int64(st, idx++, after_time)) < 0 ||
                   (r = db_bind_int64(st, idx++, after_id)) < 0))
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
        const char *song = db_column_text(st, 1);
        const char *client = db_column_text(st, 3);
        items[n].id = db_column_int64(st, 0);
        items[n].song_id = arena_strdup(arena, song ? song : "");
        items[n].played_at = db_column_int64(st, 2);
        items[n].client = arena_strdup(arena, client ? client : "");
        if (!items[n].song_id || !items[n].client) {
            r = -ENOMEM;
            goto out_finalize;
        }
        n++;
    }
    if (r < 0)
        goto out_finalize;
    const char *next = NULL;
    if (more) {
        const char *np[2] = {library_cursor_fmt_int(arena, items[n - 1].played_at),
                             library_cursor_fmt_int(arena, items[n - 1].id)};
        if (!np[0] || !np[1] || !(next = library_cursor_pack(arena, np, 2))) {
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

int library_history_count(DbConn *conn, Arena *arena, const LibraryScope *scope,
                          const char *user_id, const char *song_id, int64_t *ret_count,
                          int64_t *ret_last_played_at)
{
    int r = library_annotate_visible(conn, arena, scope, ANNOTATE_SONG, song_id);
    if (r < 0)
        return r;
    DbStmt *st;
    if ((r = db_prepare(conn,
                        "SELECT count, last_played_at FROM play_counts"
                        " WHERE user_id = ? AND song_id = ?",
                        &st)) < 0)
        return r;
    if ((r = db_bind_text(st, 1, user_id)) < 0 || (r = db_bind_text(st, 2, song_id)) < 0 ||
        (r = db_step(st)) < 0)
        goto out_finalize;
    *ret_count = r == DB_ROW ? db_column_int64(st, 0) : 0;
    *ret_last_played_at = r == DB_ROW ? db_column_int64(st, 1) : 0;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* Parses a cached ranking: lines "song_id plays\n". Returns 0 or ERR_PARSE. */
static int history_popular_parse(Arena *arena, char *text, PopularEntry *items, size_t *ret_count)
{
    size_t n = 0;
    char *line = text;
    while (*line && n < LIMIT_POPULAR_MAX) {
        char *end = strchr(line, '\n');
        char *space = strchr(line, ' ');
        if (!end || !space || space > end)
            return ERR_PARSE;
        *end = '\0';
        *space = '\0';
        if (!library_cursor_id_valid(line) ||
            str_to_int64(space + 1, 0, INT64_MAX, &items[n].plays) < 0)
            return ERR_PARSE;
        if (!(items[n].song_id = arena_strdup(arena, line)))
            return -ENOMEM;
        n++;
        line = end + 1;
    }
    *ret_count = n;
    return 0;
}

static int history_popular_query(DbConn *conn, Arena *arena, const char *artist_id, int64_t now,
                                 PopularEntry *items, size_t *ret_count)
{
    DbStmt *st;
    int r =
        db_prepare(conn,
                   artist_id ? "SELECT s.id, COUNT(*) FROM songs s JOIN plays p ON p.song_id = s.id"
                               " WHERE (s.artist_id = ? OR s.id IN (SELECT sa.song_id FROM"
                               " song_artists sa WHERE sa.artist_id = ?)) AND s.missing = 0"
                               " AND p.played_at >= ? GROUP BY s.id ORDER BY COUNT(*) DESC, s.id"
                               " LIMIT ?"
                             : "SELECT s.id, COUNT(*) FROM plays p JOIN songs s ON s.id = p.song_id"
                               " WHERE p.played_at >= ? AND s.missing = 0 GROUP BY s.id"
                               " ORDER BY COUNT(*) DESC, s.id LIMIT ?",
                   &st);
    if (r < 0)
        return r;
    int idx = 1;
    if (artist_id && ((r = db_bind_text(st, idx++, artist_id)) < 0 ||
                      (r = db_bind_text(st, idx++, artist_id)) < 0))
        goto out_finalize;
    if ((r = db_bind_int64(st, idx++, now - (int64_t)LIBRARY_HISTORY_POPULAR_DAYS * 86400)) < 0 ||
        (r = db_bind_int64(st, idx, LIMIT_POPULAR_MAX)) < 0)
        goto out_finalize;
    size_t n = 0;
    while (n < LIMIT_POPULAR_MAX && (r = db_step(st)) == DB_ROW) {
        const char *id = db_column_text(st, 0);
        if (!(items[n].song_id = arena_strdup(arena, id ? id : ""))) {
            r = -ENOMEM;
            goto out_finalize;
        }
        items[n].plays = db_column_int64(st, 1);
        n++;
    }
    if (r < 0)
        goto out_finalize;
    *ret_count = n;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_history_popular(DbConn *conn, CacheKv *cache, Arena *arena, const char *artist_id,
                            int64_t now, PopularEntry **ret_items, size_t *ret_count)
{
    PopularEntry *items = arena_calloc(arena, LIMIT_POPULAR_MAX, sizeof(*items));
    if (!items)
        return -ENOMEM;
    if (artist_id && !library_cursor_id_valid(artist_id)) {
        *ret_items = items;
        *ret_count = 0;
        return 0;
    }
    size_t n = 0;
    char *key = NULL;
    int64_t version = 0;
    if (cache && cache_kv_version(cache, LIBRARY_HISTORY_POPULAR_VERSION, &version) == 0)
        key =
            arena_printf(arena, "popular:%lld:%s", (long long)version, artist_id ? artist_id : "*");
    char *text;
    size_t len;
    if (key && cache_kv_get(cache, arena, key, &text, &len) == 0 &&
        history_popular_parse(arena, text, items, &n) == 0)
        goto out_done;
    int r = history_popular_query(conn, arena, artist_id, now, items, &n);
    if (r < 0)
        return r;
    if (key) {
        /* At most LIMIT_POPULAR_MAX lines of an id and a number. */
        size_t cap = (size_t)LIMIT_POPULAR_MAX * (LIMIT_ID_BYTES + 24) + 1, o = 0;
        char *out = arena_alloc(arena, cap);
        if (!out)
            return -ENOMEM;
        out[0] = '\0';
        for (size_t i = 0; i < n; i++)
            o += (size_t)snprintf(out + o, cap - o, "%s %lld\n", items[i].song_id,
                                  (long long)items[i].plays);
        if (o < cap && o <= LIMIT_CACHE_VALUE_BYTES)
            (void)cache_kv_set(cache, key, out, o, LIBRARY_HISTORY_POPULAR_TTL_S);
    }
out_done:
    *ret_items = items;
    *ret_count = n;
    return 0;
}
