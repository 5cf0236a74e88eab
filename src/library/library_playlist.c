/*
 * library_playlist.c - playlists on both backends. Every write is BEGIN IMMEDIATE, an access
 * check, the change, and one UPDATE that recomputes song_count and duration_ms. Entry
 * changes load the song ids in order (at most LIMIT_PLAYLIST_ENTRIES), change the array, and
 * rewrite only the tail that differs, with multi-row INSERTs.
 */
#include "library/library_playlist.h"

#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/str.h"
#include "core/utf8.h"
#include "library/library_cursor.h"
#include "library/library_keyset.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PL_INSERT_BATCH 200 /* rows per multi-row INSERT (3 parameters each) */

#define PL_COLUMNS                                                                                 \
    "p.id, p.owner_id, COALESCE(u.username, ''), p.name, p.comment, p.public, p.song_count, "      \
    "p.duration_ms, p.image_path, p.created_at, p.updated_at, "                                    \
    "(SELECT COUNT(*) FROM playlist_editors pe WHERE pe.playlist_id = p.id AND pe.user_id = ?)"

#define PL_FROM " FROM playlists p LEFT JOIN users u ON u.id = p.owner_id"

static int64_t pl_now(void)
{
    return (int64_t)time(NULL);
}

static bool pl_sees(const PlaylistUser *who, int64_t library_id)
{
    if (who->all_libraries)
        return true;
    for (size_t i = 0; i < who->n_library_ids; i++) {
        if (who->library_ids[i] == library_id)
            return true;
    }
    return false;
}

bool library_playlist_name_valid(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > LIMIT_PLAYLIST_NAME_BYTES || !utf8_valid(name, len))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

static bool pl_comment_valid(const char *comment)
{
    size_t len = strlen(comment);
    return len <= LIMIT_PLAYLIST_COMMENT_BYTES && utf8_valid(comment, len) &&
           !memchr(comment, 0x1f, len);
}

static const char *pl_dup(Arena *arena, const char *s, int *oom)
{
    char *c = arena_strdup(arena, s ? s : "");
    if (!c)
        *oom = 1;
    return c;
}

/* Reads a PL_COLUMNS row for user `user_id`. Returns 0 or -ENOMEM. */
static int pl_read(DbStmt *st, Arena *arena, const char *user_id, Playlist *p)
{
    int oom = 0;
    memset(p, 0, sizeof(*p));
    p->id = pl_dup(arena, db_column_text(st, 0), &oom);
    p->owner_id = pl_dup(arena, db_column_text(st, 1), &oom);
    p->owner_name = pl_dup(arena, db_column_text(st, 2), &oom);
    p->name = pl_dup(arena, db_column_text(st, 3), &oom);
    p->comment = pl_dup(arena, db_column_text(st, 4), &oom);
    p->is_public = db_column_int64(st, 5) != 0;
    p->song_count = db_column_int64(st, 6);
    p->duration_ms = db_column_int64(st, 7);
    p->image_path = db_column_is_null(st, 8) ? NULL : pl_dup(arena, db_column_text(st, 8), &oom);
    p->created_at = db_column_int64(st, 9);
    p->updated_at = db_column_int64(st, 10);
    if (oom)
        return -ENOMEM;
    if (strcmp(p->owner_id, user_id) == 0)
        p->access = PLAYLIST_ACCESS_OWN;
    else if (db_column_int64(st, 11) > 0)
        p->access = PLAYLIST_ACCESS_EDIT;
    else
        p->access = PLAYLIST_ACCESS_READ;
    return 0;
}

int library_playlist_get(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                         Playlist *ret_playlist)
{
    if (!library_cursor_id_valid(id))
        return -ENOENT;
    DbStmt *st;
    int r = db_prepare(conn, "SELECT " PL_COLUMNS PL_FROM " WHERE p.id = ?", &st);
    if (r < 0)
        return r;
    Playlist p;
    if ((r = db_bind_text(st, 1, who->id)) < 0 || (r = db_bind_text(st, 2, id)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_DONE) {
        r = -ENOENT;
        goto out_finalize;
    }
    if (r < 0)
        goto out_finalize;
    if ((r = pl_read(st, arena, who->id, &p)) < 0)
        goto out_finalize;
    if (p.access == PLAYLIST_ACCESS_READ && !p.is_public) {
        r = -ENOENT;
        goto out_finalize;
    }
    *ret_playlist = p;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

static int pl_list_key(DbStmt *st, Arena *arena, void *item, const void *ctx,
                       LibraryKeysetKey *ret_key)
{
    Playlist *p = item;
    int r = pl_read(st, arena, ctx, p);
    ret_key->text[0] = p->name;
    ret_key->text[1] = p->id;
    return r;
}

#define PL_VISIBLE                                                                                 \
    PL_FROM " WHERE (p.owner_id = ? OR p.public = 1 OR EXISTS (SELECT 1 FROM"                      \
            " playlist_editors e WHERE e.playlist_id = p.id AND e.user_id = ?))"

static const LibraryKeyset pl_list_keyset = {
    "SELECT " PL_COLUMNS PL_VISIBLE " ORDER BY p.name, p.id LIMIT ?",
    "SELECT " PL_COLUMNS PL_VISIBLE " AND (p.name, p.id) > (?, ?) ORDER BY p.name, p.id LIMIT ?", 2,
    0, NULL};

int library_playlist_list(DbConn *conn, Arena *arena, const PlaylistUser *who, const char *cursor,
                          int limit, Playlist **ret_items, size_t *ret_count, const char **ret_next)
{
    if (limit < 1 || limit > LIMIT_PAGE_MAX)
        return -EINVAL;
    LibraryKeysetKey after;
    int r;
    if (cursor && (r = library_keyset_unpack(arena, &pl_list_keyset, cursor, &after)) < 0)
        return r;
    DbStmt *st;
    r = db_prepare(conn, cursor ? pl_list_keyset.after : pl_list_keyset.first, &st);
    if (r < 0)
        return r;
    int idx = 1;
    Playlist *items = arena_calloc(arena, (size_t)limit, sizeof(*items));
    if (!items) {
        r = -ENOMEM;
        goto out_finalize;
    }
    if ((r = db_bind_text(st, idx++, who->id)) < 0 || (r = db_bind_text(st, idx++, who->id)) < 0 ||
        (r = db_bind_text(st, idx++, who->id)) < 0 ||
        (cursor && (r = library_keyset_bind(st, &pl_list_keyset, &after, &idx)) < 0) ||
        (r = db_bind_int64(st, idx, limit + 1)) < 0)
        goto out_finalize;
    size_t n;
    const char *next;
    if ((r = library_keyset_read(st, arena, &pl_list_keyset, limit, items, sizeof(*items),
                                 pl_list_key, who->id, &n, &next, NULL)) < 0)
        goto out_finalize;
    *ret_items = items;
    *ret_count = n;
    *ret_next = next;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* Checks inside a write transaction that `who` has at least `need` on playlist `id`.
 * Returns 0, -ENOENT (invisible), ERR_FORBIDDEN or ERR_DB. */
static int pl_check(DbConn *conn, const char *id, const PlaylistUser *who, PlaylistAccess need)
{
    if (!library_cursor_id_valid(id))
        return -ENOENT;
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT p.owner_id, p.public, (SELECT COUNT(*) FROM playlist_editors pe"
                       " WHERE pe.playlist_id = p.id AND pe.user_id = ?) FROM playlists p"
                       " WHERE p.id = ?",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, who->id)) < 0 || (r = db_bind_text(st, 2, id)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_DONE) {
        r = -ENOENT;
        goto out_finalize;
    }
    if (r < 0)
        goto out_finalize;
    const char *owner = db_column_text(st, 0);
    PlaylistAccess have;
    if (owner && strcmp(owner, who->id) == 0)
        have = PLAYLIST_ACCESS_OWN;
    else if (db_column_int64(st, 2) > 0)
        have = PLAYLIST_ACCESS_EDIT;
    else if (db_column_int64(st, 1) != 0)
        have = PLAYLIST_ACCESS_READ;
    else {
        r = -ENOENT;
        goto out_finalize;
    }
    r = have >= need ? 0 : ERR_FORBIDDEN;
out_finalize:
    db_finalize(st);
    return r;
}

/* Recomputes song_count, duration_ms and updated_at. Returns 0 or ERR_DB. */
static int pl_touch(DbConn *conn, const char *id)
{
    DbStmt *st;
    int r =
        db_prepare(conn,
                   "UPDATE playlists SET song_count = (SELECT COUNT(*) FROM playlist_entries e"
                   " WHERE e.playlist_id = ?), duration_ms = (SELECT COALESCE(SUM(s.duration_ms),"
                   " 0) FROM playlist_entries e JOIN songs s ON s.id = e.song_id WHERE"
                   " e.playlist_id = ?), updated_at = ? WHERE id = ?",
                   &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) == 0 && (r = db_bind_text(st, 2, id)) == 0 &&
        (r = db_bind_int64(st, 3, pl_now())) == 0 && (r = db_bind_text(st, 4, id)) == 0)
        r = db_step(st);
    db_finalize(st);
    return r < 0 ? r : 0;
}

/* Reads a (position, song_id) row into `e`. Returns 0 or -ENOMEM. */
static int pl_entry_read(DbStmt *st, Arena *arena, PlaylistEntry *e)
{
    e->position = db_column_int64(st, 0);
    e->song_id = arena_strdup(arena, db_column_text(st, 1) ? db_column_text(st, 1) : "");
    return e->song_id ? 0 : -ENOMEM;
}

/* Loads every entry of `id` by position. Returns 0, ERR_DB or -ENOMEM. */
static int pl_load(DbConn *conn, Arena *arena, const char *id, PlaylistEntry **ret_entries,
                   size_t *ret_count)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT position, song_id FROM playlist_entries WHERE playlist_id = ?"
                       " ORDER BY position LIMIT ?",
                       &st);
    if (r < 0)
        return r;
    size_t cap = 64, n = 0;
    PlaylistEntry *e = arena_alloc(arena, cap * sizeof(*e));
    if (!e) {
        r = -ENOMEM;
        goto out_finalize;
    }
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_int64(st, 2, LIMIT_PLAYLIST_ENTRIES)) < 0)
        goto out_finalize;
    while ((r = db_step(st)) == DB_ROW) {
        if (n == cap) {
            PlaylistEntry *bigger = arena_alloc(arena, 2 * cap * sizeof(*e));
            if (!bigger) {
                r = -ENOMEM;
                goto out_finalize;
            }
            memcpy(bigger, e, n * sizeof(*e));
            e = bigger;
            cap *= 2;
        }
        if ((r = pl_entry_read(st, arena, &e[n])) < 0)
            goto out_finalize;
        n++;
    }
    if (r < 0)
        goto out_finalize;
    *ret_entries = e;
    *ret_count = n;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* Inserts new_ids[from..n) at their positions with multi-row INSERTs. Returns 0 or ERR_DB. */
static int pl_insert(DbConn *conn, Arena *arena, const char *id, const char *const *new_ids,
                     size_t from, size_t n)
{
    size_t batch_cap = PL_INSERT_BATCH;
    char *sql = arena_alloc(arena, 80 + batch_cap * 10);
    if (!sql)
        return -ENOMEM;
    int r = 0;
    for (size_t start = from; start < n; start += batch_cap) {
        size_t rows = n - start < batch_cap ? n - start : batch_cap;
        size_t len = 0;
        const char *head = "INSERT INTO playlist_entries (playlist_id, position, song_id) VALUES ";
        memcpy(sql, head, strlen(head));
        len = strlen(head);
        for (size_t i = 0; i < rows; i++) {
            memcpy(sql + len, i ? ",(?,?,?)" : "(?,?,?)", i ? 8 : 7);
            len += i ? 8 : 7;
        }
        sql[len] = '\0';
        DbStmt *st;
        if ((r = db_prepare(conn, sql, &st)) < 0)
            return r;
        for (size_t i = 0; i < rows && r == 0; i++) {
            int b = (int)(i * 3);
            if ((r = db_bind_text(st, b + 1, id)) == 0 &&
                (r = db_bind_int64(st, b + 2, (int64_t)(start + i))) == 0)
                r = db_bind_text(st, b + 3, new_ids[start + i]);
        }
        if (r == 0)
            r = db_step(st);
        db_finalize(st);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Makes the stored entries equal `new_ids`, rewriting only from the first difference. */
static int pl_write(DbConn *conn, Arena *arena, const char *id, const PlaylistEntry *old,
                    size_t n_old, const char *const *new_ids, size_t n_new)
{
    size_t k = 0;
    while (k < n_old && k < n_new && old[k].position == (int64_t)k &&
           strcmp(old[k].song_id, new_ids[k]) == 0)
        k++;
    if (k == n_old && k == n_new)
        return 0;
    DbStmt *st;
    int r = db_prepare(conn, "DELETE FROM playlist_entries WHERE playlist_id = ? AND position >= ?",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) == 0 && (r = db_bind_int64(st, 2, (int64_t)k)) == 0)
        r = db_step(st);
    db_finalize(st);
    if (r < 0)
        return r;
    return pl_insert(conn, arena, id, new_ids, k, n_new);
}

/* Checks that every song exists, is not missing and lies in a library `who` sees. */
static int pl_check_songs(DbConn *conn, const PlaylistUser *who, const char *const *ids, size_t n)
{
    if (n == 0)
        return 0;
    DbStmt *st;
    int r = db_prepare(conn, "SELECT library_id FROM songs WHERE id = ? AND missing = 0", &st);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(ids[i], ids[i - 1]) == 0)
            continue;
        if (!library_cursor_id_valid(ids[i])) {
            r = -ENOENT;
            break;
        }
        if ((r = db_reset(st)) < 0 || (r = db_bind_text(st, 1, ids[i])) < 0)
            break;
        r = db_step(st);
        if (r == DB_DONE || (r == DB_ROW && !pl_sees(who, db_column_int64(st, 0)))) {
            r = -ENOENT;
            break;
        }
        if (r < 0)
            break;
        r = 0;
    }
    db_finalize(st);
    return r;
}

/* Commits when r is 0, else rolls back; returns r (or the commit's error). */
static int pl_finish(DbConn *conn, int r)
{
    if (r == 0)
        return db_commit(conn);
    db_rollback(conn);
    return r;
}

int library_playlist_create(DbConn *conn, Arena *arena, const PlaylistUser *who, const char *name,
                            const char *comment, bool is_public, const char *const *song_ids,
                            size_t n, const char **ret_id)
{
    if (!library_playlist_name_valid(name) || !pl_comment_valid(comment ? comment : ""))
        return -EINVAL;
    if (n > LIMIT_PLAYLIST_ENTRIES)
        return ERR_LIMIT;
    unsigned char raw[16];
    char *id = arena_alloc(arena, 2 * sizeof(raw) + 1);
    if (!id)
        return -ENOMEM;
    randombytes_buf(raw, sizeof(raw));
    str_hex(raw, sizeof(raw), id);
    int r = db_begin_write(conn);
    if (r < 0)
        return r;
    if ((r = pl_check_songs(conn, who, song_ids, n)) < 0)
        return pl_finish(conn, r);
    DbStmt *st;
    if ((r = db_prepare(conn,
                        "INSERT INTO playlists (id, owner_id, name, comment, public, created_at,"
                        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        &st)) < 0)
        return pl_finish(conn, r);
    int64_t now = pl_now();
    if ((r = db_bind_text(st, 1, id)) == 0 && (r = db_bind_text(st, 2, who->id)) == 0 &&
        (r = db_bind_text(st, 3, name)) == 0 &&
        (r = db_bind_text(st, 4, comment ? comment : "")) == 0 &&
        (r = db_bind_int64(st, 5, is_public ? 1 : 0)) == 0 &&
        (r = db_bind_int64(st, 6, now)) == 0 && (r = db_bind_int64(st, 7, now)) == 0)
        r = db_step(st);
    db_finalize(st);
    if (r >= 0)
        r = pl_insert(conn, arena, id, song_ids, 0, n);
    if (r >= 0)
        r = pl_touch(conn, id);
    r = pl_finish(conn, r < 0 ? r : 0);
    if (r == 0)
        *ret_id = id;
    return r;
}

int library_playlist_update(DbConn *conn, const char *id, const PlaylistUser *who,
                            const PlaylistChanges *changes)
{
    if ((changes->name && !library_playlist_name_valid(changes->name)) ||
        (changes->comment && !pl_comment_valid(changes->comment)))
        return -EINVAL;
    int r = db_begin_write(conn);
    if (r < 0)
        return r;
    if ((r = pl_check(conn, id, who, PLAYLIST_ACCESS_OWN)) < 0)
        return pl_finish(conn, r);
    DbStmt *st;
    if ((r = db_prepare(conn,
                        "UPDATE playlists SET name = COALESCE(?, name), comment = COALESCE(?,"
                        " comment), public = COALESCE(?, public), updated_at = ? WHERE id = ?",
                        &st)) < 0)
        return pl_finish(conn, r);
    r = changes->name ? db_bind_text(st, 1, changes->name) : db_bind_null(st, 1);
    if (r == 0)
        r = changes->comment ? db_bind_text(st, 2, changes->comment) : db_bind_null(st, 2);
    if (r == 0)
        r = changes->is_public ? db_bind_int64(st, 3, *changes->is_public ? 1 : 0)
                               : db_bind_null(st, 3);
    if (r == 0 && (r = db_bind_int64(st, 4, pl_now())) == 0 && (r = db_bind_text(st, 5, id)) == 0)
        r = db_step(st);
    db_finalize(st);
    return pl_finish(conn, r < 0 ? r : 0);
}

/* Runs one statement with `id` as its only parameter. */
static int pl_exec_id(DbConn *conn, const char *sql, const char *id)
{
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) == 0)
        r = db_step(st);
    db_finalize(st);
    return r < 0 ? r : 0;
}

int library_playlist_delete(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                            const char **ret_image_path)
{
    int r = db_begin_write(conn);
    if (r < 0)
        return r;
    if ((r = pl_check(conn, id, who, PLAYLIST_ACCESS_OWN)) < 0)
        return pl_finish(conn, r);
    const char *image = NULL;
    DbStmt *st;
    if ((r = db_prepare(conn, "SELECT image_path FROM playlists WHERE id = ?", &st)) < 0)
        return pl_finish(conn, r);
    if ((r = db_bind_text(st, 1, id)) == 0 && (r = db_step(st)) == DB_ROW) {
        const char *s = db_column_text(st, 0);
        if (s && *s && !(image = arena_strdup(arena, s)))
            r = -ENOMEM;
    }
    db_finalize(st);
    if (r >= 0)
        r = pl_exec_id(conn, "DELETE FROM playlist_entries WHERE playlist_id = ?", id);
    if (r >= 0)
        r = pl_exec_id(conn, "DELETE FROM playlist_editors WHERE playlist_id = ?", id);
    if (r >= 0)
        r = pl_exec_id(conn, "DELETE FROM playlists WHERE id = ?", id);
    r = pl_finish(conn, r < 0 ? r : 0);
    if (r == 0)
        *ret_image_path = image;
    return r;
}

/* The common frame of the entry writes: begin, check, load; `fn` builds the new order. */
typedef int (*PlEdit)(Arena *arena, const PlaylistEntry *old, size_t n_old, const void *arg,
                      const char ***ret_ids, size_t *ret_n);

static int pl_edit(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who, PlEdit fn,
                   const void *arg, const char *const *check_ids, size_t n_check)
{
    int r = db_begin_write(conn);
    if (r < 0)
        return r;
    PlaylistEntry *old;
    size_t n_old;
    const char **ids;
    size_t n_new;
    if ((r = pl_check(conn, id, who, PLAYLIST_ACCESS_EDIT)) < 0 ||
        (r = pl_check_songs(conn, who, check_ids, n_check)) < 0 ||
        (r = pl_load(conn, arena, id, &old, &n_old)) < 0 ||
        (r = fn(arena, old, n_old, arg, &ids, &n_new)) < 0 ||
        (r = pl_write(conn, arena, id, old, n_old, ids, n_new)) < 0 || (r = pl_touch(conn, id)) < 0)
        return pl_finish(conn, r);
    return pl_finish(conn, 0);
}

typedef struct PlAddArg {
    const char *const *ids;
    size_t n;
    int64_t position;
} PlAddArg;

static int pl_edit_add(Arena *arena, const PlaylistEntry *old, size_t n_old, const void *arg,
                       const char ***ret_ids, size_t *ret_n)
{
    const PlAddArg *a = arg;
    if (a->position < -1 || a->position > (int64_t)n_old)
        return -EINVAL;
    if (n_old + a->n > LIMIT_PLAYLIST_ENTRIES)
        return ERR_LIMIT;
    size_t at = a->position < 0 ? n_old : (size_t)a->position;
    const char **ids = arena_alloc(arena, (n_old + a->n + 1) * sizeof(*ids));
    if (!ids)
        return -ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < at; i++)
        ids[n++] = old[i].song_id;
    for (size_t i = 0; i < a->n; i++)
        ids[n++] = a->ids[i];
    for (size_t i = at; i < n_old; i++)
        ids[n++] = old[i].song_id;
    *ret_ids = ids;
    *ret_n = n;
    return 0;
}

int library_playlist_add(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                         const char *const *song_ids, size_t n, int64_t position)
{
    if (n > LIMIT_PLAYLIST_ENTRIES)
        return ERR_LIMIT;
    PlAddArg a = {song_ids, n, position};
    return pl_edit(conn, arena, id, who, pl_edit_add, &a, song_ids, n);
}

typedef struct PlPositions {
    const int64_t *positions;
    size_t n;
} PlPositions;

static int pl_edit_remove(Arena *arena, const PlaylistEntry *old, size_t n_old, const void *arg,
                          const char ***ret_ids, size_t *ret_n)
{
    const PlPositions *a = arg;
    bool *gone = arena_calloc(arena, n_old + 1, sizeof(*gone));
    const char **ids = arena_alloc(arena, (n_old + 1) * sizeof(*ids));
    if (!gone || !ids)
        return -ENOMEM;
    for (size_t i = 0; i < a->n; i++) {
        if (a->positions[i] < 0 || a->positions[i] >= (int64_t)n_old)
            return -EINVAL;
        gone[a->positions[i]] = true;
    }
    size_t n = 0;
    for (size_t i = 0; i < n_old; i++) {
        if (!gone[i])
            ids[n++] = old[i].song_id;
    }
    *ret_ids = ids;
    *ret_n = n;
    return 0;
}

int library_playlist_remove(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                            const int64_t *positions, size_t n)
{
    if (n > LIMIT_PLAYLIST_ENTRIES)
        return ERR_LIMIT;
    PlPositions a = {positions, n};
    return pl_edit(conn, arena, id, who, pl_edit_remove, &a, NULL, 0);
}

static int pl_edit_move(Arena *arena, const PlaylistEntry *old, size_t n_old, const void *arg,
                        const char ***ret_ids, size_t *ret_n)
{
    const int64_t *ft = arg;
    if (ft[0] < 0 || ft[0] >= (int64_t)n_old || ft[1] < 0 || ft[1] >= (int64_t)n_old)
        return -EINVAL;
    const char **ids = arena_alloc(arena, (n_old + 1) * sizeof(*ids));
    if (!ids)
        return -ENOMEM;
    size_t from = (size_t)ft[0], to = (size_t)ft[1];
    size_t n = 0;
    for (size_t i = 0; i < n_old; i++) {
        if (i != from)
            ids[n++] = old[i].song_id;
    }
    memmove(ids + to + 1, ids + to, (n - to) * sizeof(*ids));
    ids[to] = old[from].song_id;
    *ret_ids = ids;
    *ret_n = n_old;
    return 0;
}

int library_playlist_move(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                          int64_t from, int64_t to)
{
    int64_t ft[2] = {from, to};
    return pl_edit(conn, arena, id, who, pl_edit_move, ft, NULL, 0);
}

static int pl_edit_reorder(Arena *arena, const PlaylistEntry *old, size_t n_old, const void *arg,
                           const char ***ret_ids, size_t *ret_n)
{
    const PlPositions *a = arg;
    if (a->n != n_old)
        return -EINVAL;
    bool *seen = arena_calloc(arena, n_old + 1, sizeof(*seen));
    const char **ids = arena_alloc(arena, (n_old + 1) * sizeof(*ids));
    if (!seen || !ids)
        return -ENOMEM;
    for (size_t i = 0; i < n_old; i++) {
        int64_t p = a->positions[i];
        if (p < 0 || p >= (int64_t)n_old || seen[p])
            return -EINVAL;
        seen[p] = true;
        ids[i] = old[p].song_id;
    }
    *ret_ids = ids;
    *ret_n = n_old;
    return 0;
}

int library_playlist_reorder(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                             const int64_t *order, size_t n)
{
    if (n > LIMIT_PLAYLIST_ENTRIES)
        return -EINVAL;
    PlPositions a = {order, n};
    return pl_edit(conn, arena, id, who, pl_edit_reorder, &a, NULL, 0);
}

int library_playlist_entries(DbConn *conn, Arena *arena, const char *id, int64_t after_position,
                             int limit, PlaylistEntry **ret_entries, size_t *ret_count,
                             bool *ret_more)
{
    if (limit < 1 || limit > LIMIT_PAGE_MAX)
        return -EINVAL;
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT position, song_id FROM playlist_entries WHERE playlist_id = ? AND"
                       " position > ? ORDER BY position LIMIT ?",
                       &st);
    if (r < 0)
        return r;
    PlaylistEntry *e = arena_calloc(arena, (size_t)limit + 1, sizeof(*e));
    size_t n = 0;
    if (!e) {
        r = -ENOMEM;
        goto out_finalize;
    }
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_int64(st, 2, after_position)) < 0 ||
        (r = db_bind_int64(st, 3, limit + 1)) < 0)
        goto out_finalize;
    while ((r = db_step(st)) == DB_ROW) {
        if ((r = pl_entry_read(st, arena, &e[n])) < 0)
            goto out_finalize;
        n++;
    }
    if (r < 0)
        goto out_finalize;
    *ret_more = n > (size_t)limit;
    *ret_count = n > (size_t)limit ? (size_t)limit : n;
    *ret_entries = e;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* Reads one row of a per-playlist list into `item`. Returns 0, 1 to skip the row, or a
 * negative errno. */
typedef int (*PlRowRead)(DbStmt *st, Arena *arena, void *item, const void *ctx);

/* Reads the rows of `sql` (parameters: the playlist `id`, then `max`) into a new Arena-owned
 * array of `size`-byte items. Returns 0 or a negative errno. */
static int pl_rows(DbConn *conn, Arena *arena, const char *sql, const char *id, size_t max,
                   size_t size, PlRowRead read, const void *ctx, void **ret_items,
                   size_t *ret_count)
{
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    char *items = arena_calloc(arena, max + 1, size);
    size_t n = 0;
    if (!items) {
        r = -ENOMEM;
        goto out_finalize;
    }
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_int64(st, 2, (int64_t)max)) < 0)
        goto out_finalize;
    while ((r = db_step(st)) == DB_ROW) {
        if ((r = read(st, arena, items + n * size, ctx)) < 0)
            goto out_finalize;
        if (r == 0)
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

static int pl_track_read(DbStmt *st, Arena *arena, void *item, const void *ctx)
{
    int64_t lib = db_column_int64(st, 0);
    if (!pl_sees(ctx, lib))
        return 1;
    PlaylistTrack *t = item;
    int oom = 0;
    t->library_id = lib;
    t->path = pl_dup(arena, db_column_text(st, 1), &oom);
    t->title = pl_dup(arena, db_column_text(st, 2), &oom);
    t->artist = pl_dup(arena, db_column_text(st, 3), &oom);
    t->duration_ms = db_column_int64(st, 4);
    return oom ? -ENOMEM : 0;
}

int library_playlist_tracks(DbConn *conn, Arena *arena, const char *id, const PlaylistUser *who,
                            PlaylistTrack **ret_tracks, size_t *ret_count)
{
    void *tracks;
    int r = pl_rows(conn, arena,
                    "SELECT s.library_id, s.path, s.title, s.artist, s.duration_ms FROM"
                    " playlist_entries e JOIN songs s ON s.id = e.song_id WHERE"
                    " e.playlist_id = ? AND s.missing = 0 ORDER BY e.position LIMIT ?",
                    id, LIMIT_PLAYLIST_ENTRIES, sizeof(PlaylistTrack), pl_track_read, who, &tracks,
                    ret_count);
    if (r == 0)
        *ret_tracks = tracks;
    return r;
}

int library_playlist_set_editors(DbConn *conn, const char *id, const PlaylistUser *who,
                                 const char *const *users, size_t n, bool by_name)
{
    if (n > LIMIT_PLAYLIST_EDITORS)
        return ERR_LIMIT;
    int r = db_begin_write(conn);
    if (r < 0)
        return r;
    if ((r = pl_check(conn, id, who, PLAYLIST_ACCESS_OWN)) < 0 ||
        (r = pl_exec_id(conn, "DELETE FROM playlist_editors WHERE playlist_id = ?", id)) < 0)
        return pl_finish(conn, r);
    DbStmt *find = NULL, *ins = NULL;
    if ((r = db_prepare(conn,
                        by_name ? "SELECT id FROM users WHERE username = ?"
                                : "SELECT id FROM users WHERE id = ?",
                        &find)) < 0 ||
        (r = db_prepare(conn,
                        "INSERT INTO playlist_editors (playlist_id, user_id) VALUES (?, ?)"
                        " ON CONFLICT DO NOTHING",
                        &ins)) < 0)
        goto out_finalize;
    for (size_t i = 0; i < n; i++) {
        if ((r = db_reset(find)) < 0 || (r = db_bind_text(find, 1, users[i])) < 0)
            goto out_finalize;
        if ((r = db_step(find)) != DB_ROW) {
            r = r < 0 ? r : -EINVAL;
            goto out_finalize;
        }
        const char *uid = db_column_text(find, 0);
        if (!uid || strcmp(uid, who->id) == 0)
            continue;
        if ((r = db_reset(ins)) < 0 || (r = db_bind_text(ins, 1, id)) < 0 ||
            (r = db_bind_text(ins, 2, uid)) < 0 || (r = db_step(ins)) < 0)
            goto out_finalize;
    }
    r = 0;
out_finalize:
    db_finalize(find);
    db_finalize(ins);
    return pl_finish(conn, r);
}

static int pl_editor_read(DbStmt *st, Arena *arena, void *item, const void *ctx)
{
    (void)ctx;
    LibraryRef *ref = item;
    int oom = 0;
    ref->id = pl_dup(arena, db_column_text(st, 0), &oom);
    ref->name = pl_dup(arena, db_column_text(st, 1), &oom);
    return oom ? -ENOMEM : 0;
}

int library_playlist_editors(DbConn *conn, Arena *arena, const char *id, LibraryRef **ret,
                             size_t *ret_count)
{
    void *refs;
    int r = pl_rows(conn, arena,
                    "SELECT u.id, u.username FROM playlist_editors e JOIN users u ON u.id ="
                    " e.user_id WHERE e.playlist_id = ? ORDER BY u.username LIMIT ?",
                    id, LIMIT_PLAYLIST_EDITORS, sizeof(LibraryRef), pl_editor_read, NULL, &refs,
                    ret_count);
    if (r == 0)
        *ret = refs;
    return r;
}

int library_playlist_set_image(DbConn *conn, const char *id, const PlaylistUser *who,
                               const char *image_path)
{
    int r = db_begin_write(conn);
    if (r < 0)
        return r;
    if ((r = pl_check(conn, id, who, PLAYLIST_ACCESS_OWN)) < 0)
        return pl_finish(conn, r);
    DbStmt *st;
    if ((r = db_prepare(conn, "UPDATE playlists SET image_path = ?, updated_at = ? WHERE id = ?",
                        &st)) < 0)
        return pl_finish(conn, r);
    r = image_path ? db_bind_text(st, 1, image_path) : db_bind_null(st, 1);
    if (r == 0 && (r = db_bind_int64(st, 2, pl_now())) == 0 && (r = db_bind_text(st, 3, id)) == 0)
        r = db_step(st);
    db_finalize(st);
    return pl_finish(conn, r < 0 ? r : 0);
}

/* Uploaded covers live in <data_dir>/PL_IMAGE_DIR/<id>.jpg; the row keeps the path relative
 * to the data dir. */
#define PL_IMAGE_DIR "playlists"

/* Writes "<a>/<b><c>" to out; false when it does not fit. */
static bool pl_join(char *out, size_t size, const char *a, const char *b, const char *c)
{
    int n = snprintf(out, size, "%s/%s%s", a, b, c);
    return n >= 0 && (size_t)n < size;
}

int library_playlist_image_store(DbConn *conn, const char *data_dir, const char *id,
                                 const PlaylistUser *who, const void *jpeg, size_t len)
{
    int r = pl_check(conn, id, who, PLAYLIST_ACCESS_OWN); /* a known id: safe as a file name */
    if (r < 0)
        return r;
    char dir[LIMIT_PATH_BYTES], name[LIMIT_ID_BYTES + 8], rel[LIMIT_ID_BYTES + 32];
    if (!pl_join(dir, sizeof(dir), data_dir, PL_IMAGE_DIR, "") ||
        snprintf(name, sizeof(name), "%s.jpg", id) >= (int)sizeof(name) ||
        !pl_join(rel, sizeof(rel), PL_IMAGE_DIR, id, ".jpg"))
        return -ENAMETOOLONG;
    r = file_store(dir, name, jpeg, len, NULL);
    return r < 0 ? r : library_playlist_set_image(conn, id, who, rel);
}

int library_playlist_image_read(Arena *arena, const char *data_dir, const Playlist *p, size_t max,
                                void **ret_data, size_t *ret_len)
{
    char path[LIMIT_PATH_BYTES];
    if (!p->image_path)
        return -ENOENT;
    if (!pl_join(path, sizeof(path), data_dir, p->image_path, ""))
        return -ENAMETOOLONG;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    int r = file_read_all(fd, max, arena, ret_data, ret_len);
    close(fd);
    return r;
}

int library_playlist_destroy(DbConn *conn, Arena *arena, const char *data_dir, const char *id,
                             const PlaylistUser *who)
{
    const char *image;
    int r = library_playlist_delete(conn, arena, id, who, &image);
    char path[LIMIT_PATH_BYTES];
    if (r == 0 && image && pl_join(path, sizeof(path), data_dir, image, ""))
        (void)unlink(path); /* the row is gone; a file left behind is only disk space */
    return r;
}

int library_playlist_cover_ids(DbConn *conn, Arena *arena, const char *id, size_t max,
                               const char ***ret_ids, size_t *ret_count)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT a.cover_id FROM playlist_entries e JOIN songs s ON s.id ="
                       " e.song_id JOIN albums a ON a.id = s.album_id WHERE e.playlist_id = ?"
                       " AND a.cover_id IS NOT NULL AND s.missing = 0 ORDER BY e.position",
                       &st);
    if (r < 0)
        return r;
    const char **ids = arena_calloc(arena, max + 1, sizeof(*ids));
    size_t n = 0;
    if (!ids) {
        r = -ENOMEM;
        goto out_finalize;
    }
    if ((r = db_bind_text(st, 1, id)) < 0)
        goto out_finalize;
    while (n < max && (r = db_step(st)) == DB_ROW) {
        const char *c = db_column_text(st, 0);
        if (!c || !*c)
            continue;
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = strcmp(ids[i], c) == 0;
        if (dup)
            continue;
        if (!(ids[n] = arena_strdup(arena, c))) {
            r = -ENOMEM;
            goto out_finalize;
        }
        n++;
    }
    if (r < 0)
        goto out_finalize;
    *ret_ids = ids;
    *ret_count = n;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

typedef struct PlLibrary {
    int64_t id;
    const char *path; /* normalised, no trailing '/' */
} PlLibrary;

/* Loads the libraries `who` sees, by id. */
static int pl_libraries(DbConn *conn, Arena *arena, const PlaylistUser *who, PlLibrary **ret,
                        size_t *ret_count)
{
    DbStmt *st;
    int r = db_prepare(conn, "SELECT id, path FROM libraries ORDER BY id LIMIT ?", &st);
    if (r < 0)
        return r;
    PlLibrary *libs = arena_calloc(arena, LIMIT_MUSIC_DIRS + 1, sizeof(*libs));
    size_t n = 0;
    if (!libs) {
        r = -ENOMEM;
        goto out_finalize;
    }
    if ((r = db_bind_int64(st, 1, LIMIT_MUSIC_DIRS)) < 0)
        goto out_finalize;
    while ((r = db_step(st)) == DB_ROW) {
        int64_t lib = db_column_int64(st, 0);
        const char *path = db_column_text(st, 1);
        const char *norm;
        if (!pl_sees(who, lib) || !path || path[0] != '/')
            continue;
        if (strcmp(path, "/") == 0)
            norm = "";
        else if (library_m3u_normalize(arena, path, &norm) < 0)
            continue;
        libs[n].id = lib;
        libs[n].path = norm;
        n++;
    }
    if (r < 0)
        goto out_finalize;
    *ret = libs;
    *ret_count = n;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_playlist_resolve(DbConn *conn, Arena *arena, const PlaylistUser *who, const M3u *m3u,
                             PlaylistMatch **ret_matches)
{
    PlaylistMatch *m = arena_calloc(arena, m3u->n + 1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    PlLibrary *libs;
    size_t n_libs;
    int r = pl_libraries(conn, arena, who, &libs, &n_libs);
    if (r < 0)
        return r;
    DbStmt *st;
    if ((r = db_prepare(conn,
                        "SELECT id FROM songs WHERE library_id = ? AND path = ? AND missing = 0",
                        &st)) < 0)
        return r;
    for (size_t i = 0; i < m3u->n; i++) {
        const M3uEntry *e = &m3u->entries[i];
        m[i].kind = PLAYLIST_MATCH_NOT_FOUND;
        if (e->url) {
            m[i].kind = PLAYLIST_MATCH_URL;
            continue;
        }
        const char *norm;
        r = library_m3u_normalize(arena, e->path, &norm);
        if (r == -ENOMEM)
            goto out_finalize;
        if (r < 0) {
            m[i].kind = PLAYLIST_MATCH_OUTSIDE;
            continue;
        }
        bool absolute = norm[0] == '/';
        bool inside = !absolute;
        for (size_t l = 0; l < n_libs && m[i].kind != PLAYLIST_MATCH_OK; l++) {
            const char *rel = norm;
            if (absolute) {
                size_t plen = strlen(libs[l].path);
                if (strncmp(norm, libs[l].path, plen) != 0 || norm[plen] != '/' || !norm[plen + 1])
                    continue;
                rel = norm + plen + 1;
                inside = true;
            }
            if ((r = db_reset(st)) < 0 || (r = db_bind_int64(st, 1, libs[l].id)) < 0 ||
                (r = db_bind_text(st, 2, rel)) < 0)
                goto out_finalize;
            r = db_step(st);
            if (r < 0)
                goto out_finalize;
            if (r == DB_ROW) {
                const char *sid = db_column_text(st, 0);
                if (sid && (m[i].song_id = arena_strdup(arena, sid)) != NULL)
                    m[i].kind = PLAYLIST_MATCH_OK;
                else if (sid) {
                    r = -ENOMEM;
                    goto out_finalize;
                }
            }
        }
        if (!inside)
            m[i].kind = PLAYLIST_MATCH_OUTSIDE;
    }
    *ret_matches = m;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}
