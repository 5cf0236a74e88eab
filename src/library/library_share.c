/*
 * library_share.c - share links: rows in `shares`, the objects they name, and the owner's
 * rights read afresh on every public request.
 *
 * Songs are loaded through library_song.c and library_browse.c so that a share shows the
 * same fields as the API; a playlist's entries are read from `playlist_entries` by position
 * and fetched in batches of LIMIT_PAGE_MAX ids.
 */
#include "library/library_share.h"

#include "core/err.h"
#include "core/str.h"
#include "core/utf8.h"
#include "library/library_browse.h"
#include "library/library_cursor.h"

#include <sodium.h>
#include <string.h>

#define SHARE_ID_RAW_BYTES 18 /* 144 bits; base64url without padding: 24 characters */

#define SHARE_COLUMNS                                                                              \
    "s.id, s.owner_id, u.username, s.kind, s.item_id, s.description, s.expires_at, "               \
    "s.allow_download, s.created_at, s.visit_count, s.last_visited_at"
#define SHARE_FROM " FROM shares s JOIN users u ON u.id = s.owner_id"
/* Playlist `p` (id = ?) as user ? sees it: theirs, public, or one they edit (the rule of
 * library_playlist.h). Binds (id, user, user). */
#define SHARE_PLAYLIST_VISIBLE                                                                     \
    "p.id = ? AND (p.owner_id = ? OR p.public <> 0 OR EXISTS (SELECT 1 FROM playlist_editors e"    \
    " WHERE e.playlist_id = p.id AND e.user_id = ?))"

static const char *const share_kind_names[] = {"song", "album", "playlist", "songs"};

int library_share_kind_parse(const char *s, LibraryShareKind *ret_kind)
{
    for (size_t i = 0; s && i < sizeof(share_kind_names) / sizeof(share_kind_names[0]); i++) {
        if (strcmp(s, share_kind_names[i]) == 0) {
            *ret_kind = (LibraryShareKind)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *library_share_kind_name(LibraryShareKind kind)
{
    if ((size_t)kind >= sizeof(share_kind_names) / sizeof(share_kind_names[0]))
        return "song";
    return share_kind_names[kind];
}

bool library_share_id_valid(const char *id)
{
    return str_is_base64url(id, LIBRARY_SHARE_ID_LEN, LIBRARY_SHARE_ID_LEN);
}

/* Playlist ids are opaque random strings: 1..LIMIT_ID_BYTES of [A-Za-z0-9_-]. */
static bool share_opaque_id_valid(const char *id)
{
    return str_is_base64url(id, 1, LIMIT_ID_BYTES);
}

static bool share_description_valid(const char *s)
{
    size_t n = strlen(s);
    return n <= LIMIT_SHARE_DESCRIPTION_BYTES && utf8_valid(s, n);
}

/* Copies column `col` (NULL -> "") into the arena. */
static const char *share_text(DbStmt *st, Arena *arena, int col)
{
    const char *t = db_column_text(st, col);
    return arena_strdup(arena, t ? t : "");
}

/* Reads the current row of a SHARE_COLUMNS query. Returns 0 or -ENOMEM. */
static int share_read(DbStmt *st, Arena *arena, LibraryShare *s)
{
    memset(s, 0, sizeof(*s));
    s->id = share_text(st, arena, 0);
    s->owner_id = share_text(st, arena, 1);
    s->owner_name = share_text(st, arena, 2);
    if (library_share_kind_parse(db_column_text(st, 3), &s->kind) < 0)
        s->kind = LIBRARY_SHARE_SONG; /* not written by us; its item id will not resolve */
    s->item_id = share_text(st, arena, 4);
    s->description = share_text(st, arena, 5);
    s->expires_at = db_column_is_null(st, 6) ? 0 : db_column_int64(st, 6);
    s->allow_download = db_column_int64(st, 7) != 0;
    s->created_at = db_column_int64(st, 8);
    s->visit_count = db_column_int64(st, 9);
    s->last_visited_at = db_column_is_null(st, 10) ? 0 : db_column_int64(st, 10);
    if (!s->id || !s->owner_id || !s->owner_name || !s->item_id || !s->description)
        return -ENOMEM;
    return 0;
}

/* Fetches the songs of `ids` (at most LIMIT_SHARE_SONGS), in order, unknown ones left out,
 * into item->songs and item->n_songs, and the first cover among them. */
static int share_fetch_songs(DbConn *conn, Arena *arena, const char *const *ids, size_t n_ids,
                             LibraryShareItem *item)
{
    int r = library_song_by_ids_all(conn, arena, NULL, ids, n_ids, &item->songs, &item->n_songs);
    if (r < 0)
        return r;
    for (size_t i = 0; i < item->n_songs && !item->cover_id; i++)
        item->cover_id = item->songs[i].cover_id;
    return 0;
}

/* Splits a "songs" share's item id into its song ids (Arena-owned). Returns 0, or -EINVAL
 * unless it is 1..LIMIT_SHARE_SONGS ids a scanner could have made, joined by
 * LIBRARY_SHARE_SONGS_SEP. */
static int share_songs_split(Arena *arena, const char *item_id, const char ***ret_ids,
                             size_t *ret_n)
{
    size_t n = 1;
    for (const char *c = item_id; *c; c++)
        n += *c == LIBRARY_SHARE_SONGS_SEP;
    if (!*item_id || n > LIMIT_SHARE_SONGS)
        return -EINVAL;
    char *copy = arena_strdup(arena, item_id);
    const char **ids = arena_calloc(arena, n, sizeof(*ids));
    if (!copy || !ids)
        return -ENOMEM;
    size_t k = 0;
    for (char *start = copy;; k++) {
        char *sep = strchr(start, LIBRARY_SHARE_SONGS_SEP);
        if (sep)
            *sep = '\0';
        if (!library_cursor_id_valid(start))
            return -EINVAL;
        ids[k] = start;
        if (!sep)
            break;
        start = sep + 1;
    }
    *ret_ids = ids;
    *ret_n = k + 1;
    return 0;
}

/* The songs of a "songs" share: named after the first one ("Title and N more"). */
static int share_songs(DbConn *conn, Arena *arena, const char *item_id, LibraryShareItem *item)
{
    const char **ids;
    size_t n_ids;
    int r = share_songs_split(arena, item_id, &ids, &n_ids);
    if (r < 0)
        return r;
    if ((r = share_fetch_songs(conn, arena, ids, n_ids, item)) < 0)
        return r;
    if (item->n_songs == 0)
        return -ENOENT;
    item->artist = item->songs[0].artist;
    item->name = item->n_songs == 1 ? item->songs[0].title
                                    : arena_printf(arena, "%s and %zu more", item->songs[0].title,
                                                   item->n_songs - 1);
    return item->name ? 0 : -ENOMEM;
}

int library_share_songs_id(Arena *arena, const char *const *song_ids, size_t n,
                           const char **ret_item_id)
{
    if (n == 0 || n > LIMIT_SHARE_SONGS)
        return -EINVAL;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (!library_cursor_id_valid(song_ids[i]))
            return -EINVAL;
        len += strlen(song_ids[i]) + 1;
    }
    char *out = arena_alloc(arena, len);
    if (!out)
        return -ENOMEM;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(song_ids[i]);
        memcpy(out + off, song_ids[i], l);
        off += l;
        out[off++] = i + 1 < n ? LIBRARY_SHARE_SONGS_SEP : '\0';
    }
    *ret_item_id = out;
    return 0;
}

/* Reads the playlist's entries (at most LIMIT_SHARE_SONGS) if `viewer_id` owns it or it is
 * public, then fetches the songs in batches. */
static int share_playlist(DbConn *conn, Arena *arena, const char *id, const char *viewer_id,
                          LibraryShareItem *item)
{
    if (!share_opaque_id_valid(id))
        return -ENOENT;
    DbStmt *st;
    int r = db_prepare(conn, "SELECT name FROM playlists p WHERE " SHARE_PLAYLIST_VISIBLE, &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_text(st, 2, viewer_id)) < 0 ||
        (r = db_bind_text(st, 3, viewer_id)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_DONE)
        r = -ENOENT;
    if (r < 0)
        goto out_finalize;
    item->name = share_text(st, arena, 0);
    item->artist = "";
    db_finalize(st);
    st = NULL;
    if (!item->name)
        return -ENOMEM;

    if ((r = db_prepare(conn, "SELECT COUNT(*) FROM playlist_entries WHERE playlist_id = ?", &st)) <
        0)
        return r;
    if ((r = db_bind_text(st, 1, id)) == 0)
        r = db_step(st);
    int64_t total = r == DB_ROW ? db_column_int64(st, 0) : 0;
    db_finalize(st);
    st = NULL;
    if (r < 0)
        return r;
    size_t cap = total < LIMIT_SHARE_SONGS ? (size_t)total : LIMIT_SHARE_SONGS;
    const char **ids = arena_calloc(arena, cap + 1, sizeof(*ids));
    if (!ids)
        return -ENOMEM;
    if ((r = db_prepare(conn,
                        "SELECT song_id FROM playlist_entries WHERE playlist_id = ?"
                        " ORDER BY position LIMIT ?",
                        &st)) < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_int64(st, 2, (int64_t)cap)) < 0)
        goto out_finalize;
    size_t n_ids = 0;
    while (n_ids < cap && (r = db_step(st)) == DB_ROW) {
        if (!(ids[n_ids] = share_text(st, arena, 0))) {
            r = -ENOMEM;
            goto out_finalize;
        }
        n_ids++;
    }
    if (r < 0)
        goto out_finalize;
    db_finalize(st);
    return share_fetch_songs(conn, arena, ids, n_ids, item);
out_finalize:
    db_finalize(st);
    return r;
}

int library_share_item(DbConn *conn, Arena *arena, LibraryShareKind kind, const char *item_id,
                       const char *viewer_id, LibraryShareItem *ret_item)
{
    LibraryShareItem item = {0};
    int r;
    switch (kind) {
    case LIBRARY_SHARE_SONG: {
        Song *song = arena_calloc(arena, 1, sizeof(*song));
        if (!song)
            return -ENOMEM;
        if ((r = library_song_get(conn, arena, item_id, song)) < 0)
            return r;
        item.name = song->title;
        item.artist = song->artist;
        item.cover_id = song->cover_id;
        item.songs = song;
        item.n_songs = 1;
        break;
    }
    case LIBRARY_SHARE_ALBUM: {
        if (!library_cursor_id_valid(item_id))
            return -ENOENT;
        Album album;
        if ((r = library_browse_album(conn, arena, item_id, &album, &item.songs, &item.n_songs)) <
            0)
            return r;
        if (item.n_songs > LIMIT_SHARE_SONGS)
            item.n_songs = LIMIT_SHARE_SONGS;
        item.name = album.name;
        item.artist = album.artist ? album.artist : "";
        item.cover_id = album.cover_id;
        break;
    }
    case LIBRARY_SHARE_PLAYLIST:
        if ((r = share_playlist(conn, arena, item_id, viewer_id, &item)) < 0)
            return r;
        break;
    case LIBRARY_SHARE_SONGS:
        if ((r = share_songs(conn, arena, item_id, &item)) < 0)
            return r;
        break;
    default:
        return -ENOENT;
    }
    *ret_item = item;
    return 0;
}

/* Writes the number of shares `owner_id` holds. */
static int share_count(DbConn *conn, const char *owner_id, int64_t *ret_count)
{
    DbStmt *st;
    int r = db_prepare(conn, "SELECT COUNT(*) FROM shares WHERE owner_id = ?", &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, owner_id)) < 0)
        goto out_finalize;
    if ((r = db_step(st)) < 0)
        goto out_finalize;
    *ret_count = r == DB_ROW ? db_column_int64(st, 0) : 0;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_share_create(DbConn *conn, Arena *arena, const char *owner_id, LibraryShareKind kind,
                         const char *item_id, const char *description, int64_t expires_at,
                         bool allow_download, int64_t now, LibraryShare *ret_share)
{
    if (!description)
        description = "";
    const char **song_ids;
    size_t n_song_ids;
    if (!share_description_valid(description) || expires_at < 0 ||
        (expires_at != 0 && expires_at <= now))
        return -EINVAL;
    if (kind == LIBRARY_SHARE_SONGS) {
        int r = share_songs_split(arena, item_id, &song_ids, &n_song_ids);
        if (r < 0)
            return r;
    } else if (!share_opaque_id_valid(item_id)) {
        return -EINVAL;
    }

    unsigned char raw[SHARE_ID_RAW_BYTES];
    char id[LIBRARY_SHARE_ID_LEN + 1];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(id, sizeof(id), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);

    int r = db_begin_write(conn);
    if (r < 0)
        return r;
    int64_t count;
    if ((r = share_count(conn, owner_id, &count)) < 0)
        goto out_rollback;
    if (count >= LIMIT_SHARES_PER_USER) {
        r = ERR_LIMIT;
        goto out_rollback;
    }
    DbStmt *st;
    if ((r = db_prepare(conn,
                        "INSERT INTO shares (id, owner_id, kind, item_id, description, expires_at,"
                        " allow_download, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        &st)) < 0)
        goto out_rollback;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_text(st, 2, owner_id)) < 0 ||
        (r = db_bind_text(st, 3, library_share_kind_name(kind))) < 0 ||
        (r = db_bind_text(st, 4, item_id)) < 0 || (r = db_bind_text(st, 5, description)) < 0 ||
        (r = expires_at ? db_bind_int64(st, 6, expires_at) : db_bind_null(st, 6)) < 0 ||
        (r = db_bind_int64(st, 7, allow_download ? 1 : 0)) < 0 ||
        (r = db_bind_int64(st, 8, now)) < 0) {
        db_finalize(st);
        goto out_rollback;
    }
    r = db_step(st);
    db_finalize(st);
    if (r < 0)
        goto out_rollback;
    if ((r = db_commit(conn)) < 0)
        goto out_rollback;
    return library_share_get(conn, arena, owner_id, id, ret_share);
out_rollback:
    db_rollback(conn);
    return r;
}

int library_share_list(DbConn *conn, Arena *arena, const char *owner_id, LibraryShare **ret_items,
                       size_t *ret_count)
{
    LibraryShare *items = arena_calloc(arena, LIMIT_SHARES_PER_USER + 1, sizeof(*items));
    if (!items)
        return -ENOMEM;
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT " SHARE_COLUMNS SHARE_FROM " WHERE s.owner_id = ?"
                       " ORDER BY s.created_at DESC, s.id DESC LIMIT ?",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, owner_id)) < 0 ||
        (r = db_bind_int64(st, 2, LIMIT_SHARES_PER_USER)) < 0)
        goto out_finalize;
    size_t n = 0;
    while ((r = db_step(st)) == DB_ROW) {
        if ((r = share_read(st, arena, &items[n])) < 0)
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

int library_share_get(DbConn *conn, Arena *arena, const char *owner_id, const char *id,
                      LibraryShare *ret_share)
{
    if (!library_share_id_valid(id))
        return -ENOENT;
    DbStmt *st;
    int r = db_prepare(
        conn, "SELECT " SHARE_COLUMNS SHARE_FROM " WHERE s.id = ? AND s.owner_id = ?", &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_text(st, 2, owner_id)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_DONE)
        r = -ENOENT;
    if (r < 0)
        goto out_finalize;
    LibraryShare s;
    if ((r = share_read(st, arena, &s)) < 0)
        goto out_finalize;
    *ret_share = s;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* Runs one fixed UPDATE of share `id` binding (value, id); `text` or `value` by `is_text`,
 * a NULL value when !is_text and value == 0 and `zero_null`. */
static int share_set(DbConn *conn, const char *sql, const char *id, bool is_text, const char *text,
                     int64_t value, bool zero_null)
{
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    if (is_text)
        r = db_bind_text(st, 1, text);
    else if (zero_null && value == 0)
        r = db_bind_null(st, 1);
    else
        r = db_bind_int64(st, 1, value);
    if (r == 0)
        r = db_bind_text(st, 2, id);
    if (r == 0)
        r = db_step(st);
    db_finalize(st);
    return r < 0 ? r : 0;
}

int library_share_update(DbConn *conn, const char *owner_id, const char *id,
                         const LibraryShareUpdate *u)
{
    if (u->set_description && (!u->description || !share_description_valid(u->description)))
        return -EINVAL;
    if (u->set_expires_at && u->expires_at < 0)
        return -EINVAL;
    if (!library_share_id_valid(id))
        return -ENOENT;
    int r = db_begin_write(conn);
    if (r < 0)
        return r;
    DbStmt *st;
    if ((r = db_prepare(conn, "SELECT 1 FROM shares WHERE id = ? AND owner_id = ?", &st)) < 0)
        goto out_rollback;
    if ((r = db_bind_text(st, 1, id)) == 0 && (r = db_bind_text(st, 2, owner_id)) == 0)
        r = db_step(st);
    db_finalize(st);
    if (r == DB_DONE)
        r = -ENOENT;
    if (r < 0)
        goto out_rollback;
    if (u->set_description && (r = share_set(conn, "UPDATE shares SET description = ? WHERE id = ?",
                                             id, true, u->description, 0, false)) < 0)
        goto out_rollback;
    if (u->set_expires_at && (r = share_set(conn, "UPDATE shares SET expires_at = ? WHERE id = ?",
                                            id, false, NULL, u->expires_at, true)) < 0)
        goto out_rollback;
    if (u->set_allow_download &&
        (r = share_set(conn, "UPDATE shares SET allow_download = ? WHERE id = ?", id, false, NULL,
                       u->allow_download ? 1 : 0, false)) < 0)
        goto out_rollback;
    if ((r = db_commit(conn)) < 0)
        goto out_rollback;
    return 0;
out_rollback:
    db_rollback(conn);
    return r;
}

int library_share_delete(DbConn *conn, const char *owner_id, const char *id)
{
    if (!library_share_id_valid(id))
        return -ENOENT;
    DbStmt *st;
    int r = db_prepare(conn, "DELETE FROM shares WHERE id = ? AND owner_id = ?", &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_text(st, 2, owner_id)) < 0)
        goto out_finalize;
    if ((r = db_step(st)) < 0)
        goto out_finalize;
    r = db_changes(st) > 0 ? 0 : -ENOENT;
out_finalize:
    db_finalize(st);
    return r;
}

/* Reads the libraries the owner may see when not all of them. */
static int share_owner_libraries(DbConn *conn, LibraryShare *s)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT library_id FROM user_libraries WHERE user_id = ?"
                       " ORDER BY library_id LIMIT ?",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, s->owner_id)) < 0 ||
        (r = db_bind_int64(st, 2, LIMIT_MUSIC_DIRS)) < 0)
        goto out_finalize;
    s->owner_n_library_ids = 0;
    while ((r = db_step(st)) == DB_ROW && s->owner_n_library_ids < LIMIT_MUSIC_DIRS)
        s->owner_library_ids[s->owner_n_library_ids++] = db_column_int64(st, 0);
    if (r > 0)
        r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_share_open(DbConn *conn, Arena *arena, const char *id, int64_t now,
                       LibraryShare *ret_share)
{
    if (!library_share_id_valid(id))
        return -ENOENT;
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT " SHARE_COLUMNS ", u.may_download, u.all_libraries" SHARE_FROM
                       " WHERE s.id = ? AND (s.expires_at IS NULL OR s.expires_at > ?)"
                       " AND u.disabled = 0 AND u.may_share <> 0",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, id)) < 0 || (r = db_bind_int64(st, 2, now)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_DONE)
        r = -ENOENT;
    if (r < 0)
        goto out_finalize;
    LibraryShare s;
    if ((r = share_read(st, arena, &s)) < 0)
        goto out_finalize;
    s.owner_may_download = db_column_int64(st, 11) != 0;
    s.owner_all_libraries = db_column_int64(st, 12) != 0;
    db_finalize(st);
    st = NULL;
    if (!s.owner_all_libraries && (r = share_owner_libraries(conn, &s)) < 0)
        goto out_finalize;
    *ret_share = s;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

bool library_share_sees(const LibraryShare *share, int64_t library_id)
{
    if (share->owner_all_libraries)
        return true;
    for (size_t i = 0; i < share->owner_n_library_ids; i++) {
        if (share->owner_library_ids[i] == library_id)
            return true;
    }
    return false;
}

int library_share_songs(DbConn *conn, Arena *arena, const LibraryShare *share,
                        LibraryShareItem *ret_item)
{
    LibraryShareItem item;
    int r = library_share_item(conn, arena, share->kind, share->item_id, share->owner_id, &item);
    if (r < 0)
        return r;
    size_t n = 0;
    for (size_t i = 0; i < item.n_songs; i++) {
        if (library_share_sees(share, item.songs[i].library_id))
            item.songs[n++] = item.songs[i];
    }
    item.n_songs = n;
    if (n == 0 && share->kind == LIBRARY_SHARE_SONG)
        return -ENOENT;
    *ret_item = item;
    return 0;
}

/* True if song `song_id` is an entry of playlist `playlist_id`. */
static int share_in_playlist(DbConn *conn, const char *playlist_id, const char *song_id,
                             bool *ret_in)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "SELECT 1 FROM playlist_entries WHERE playlist_id = ? AND song_id = ?"
                       " LIMIT 1",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, playlist_id)) == 0 && (r = db_bind_text(st, 2, song_id)) == 0)
        r = db_step(st);
    db_finalize(st);
    if (r < 0)
        return r;
    *ret_in = r == DB_ROW;
    return 0;
}

int library_share_song(DbConn *conn, Arena *arena, const LibraryShare *share, const char *song_id,
                       Song *ret_song)
{
    if (!library_cursor_id_valid(song_id))
        return -ENOENT;
    Song song;
    int r = library_song_get(conn, arena, song_id, &song);
    if (r < 0)
        return r;
    if (!library_share_sees(share, song.library_id))
        return -ENOENT;
    switch (share->kind) {
    case LIBRARY_SHARE_SONG:
        if (strcmp(song.id, share->item_id) != 0)
            return -ENOENT;
        break;
    case LIBRARY_SHARE_ALBUM:
        if (strcmp(song.album_id, share->item_id) != 0)
            return -ENOENT;
        break;
    case LIBRARY_SHARE_SONGS: {
        const char **ids;
        size_t n;
        if ((r = share_songs_split(arena, share->item_id, &ids, &n)) < 0)
            return r == -EINVAL ? -ENOENT : r;
        size_t i = 0;
        while (i < n && strcmp(ids[i], song.id) != 0)
            i++;
        if (i == n)
            return -ENOENT;
        break;
    }
    case LIBRARY_SHARE_PLAYLIST: {
        /* The playlist must still be visible to the owner, and hold the song. */
        DbStmt *st;
        if ((r = db_prepare(conn, "SELECT 1 FROM playlists p WHERE " SHARE_PLAYLIST_VISIBLE, &st)) <
            0)
            return r;
        if ((r = db_bind_text(st, 1, share->item_id)) == 0 &&
            (r = db_bind_text(st, 2, share->owner_id)) == 0 &&
            (r = db_bind_text(st, 3, share->owner_id)) == 0)
            r = db_step(st);
        db_finalize(st);
        if (r < 0)
            return r;
        if (r == DB_DONE)
            return -ENOENT;
        bool in;
        if ((r = share_in_playlist(conn, share->item_id, song.id, &in)) < 0)
            return r;
        if (!in)
            return -ENOENT;
        break;
    }
    default:
        return -ENOENT;
    }
    *ret_song = song;
    return 0;
}

int library_share_visit(DbConn *conn, const char *id, int64_t now)
{
    DbStmt *st;
    int r = db_prepare(conn,
                       "UPDATE shares SET visit_count = visit_count + 1, last_visited_at = ?"
                       " WHERE id = ?",
                       &st);
    if (r < 0)
        return r;
    if ((r = db_bind_int64(st, 1, now)) == 0 && (r = db_bind_text(st, 2, id)) == 0)
        r = db_step(st);
    db_finalize(st);
    return r < 0 ? r : 0;
}
