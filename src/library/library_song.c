/*
 * library_song.c - song queries used by api/. One SELECT column list, one row reader, so
 * every query returns songs the same way; related rows are loaded per page, not per row.
 */
#include "library/library_song.h"

#include "core/err.h"
#include "core/limits.h"

#include <stdlib.h>
#include <string.h>

#define SONG_COLUMNS                                                                               \
    "s.id, s.library_id, s.path, l.path, s.size, s.mtime, s.format, s.codec, s.duration_ms, "      \
    "s.bitrate, s.sample_rate, s.channels, s.title, s.artist, s.album, s.album_artist, "           \
    "s.genre, s.track_no, s.disc_no, s.year, s.artist_id, s.album_id, s.sort_title, "              \
    "s.bit_depth, s.track_total, s.disc_total, s.disc_subtitle, s.original_year, "                 \
    "s.release_date, s.compilation, s.mbid, s.mbid_recording, s.mbid_album, s.mbid_artist, "       \
    "s.mbid_album_artist, s.mbid_release_group, s.rg_track_gain, s.rg_track_peak, "                \
    "s.rg_album_gain, s.rg_album_peak, s.comment, "                                                \
    "CASE WHEN s.lyrics = '' THEN 0 ELSE 1 END, s.lyrics_synced, s.bpm, s.label, s.folder_id, "    \
    "s.cover_id, s.created_at, l.name"

#define SONG_FROM " FROM songs s JOIN libraries l ON l.id = s.library_id WHERE s.missing = 0"

/* The scope clause of every song query (library_scope.h); its ids are bound first. */
#define SONG_SCOPE " AND s.library_id IN (@)"

/* Songs of one album: few rows, so the sort is cheap; COALESCE puts unknown numbers first
 * on both backends (SQLite and PostgreSQL order NULLs differently). */
#define SONG_ALBUM_ORDER " ORDER BY COALESCE(s.disc_no, 0), COALESCE(s.track_no, 0), s.path, s.id"

static const char *song_text(DbStmt *st, Arena *arena, int col, int *oom)
{
    const char *s = db_column_text(st, col);
    char *copy = arena_strdup(arena, s ? s : "");
    if (!copy)
        *oom = 1;
    return copy;
}

/* NULL stays NULL (absent MusicBrainz ids, covers). */
static const char *song_text_or_null(DbStmt *st, Arena *arena, int col, int *oom)
{
    const char *s = db_column_text(st, col);
    if (!s || !*s)
        return NULL;
    char *copy = arena_strdup(arena, s);
    if (!copy)
        *oom = 1;
    return copy;
}

/* Returns "root/path". Sets *oom when out of memory. */
static const char *song_join(Arena *arena, const char *root, const char *path, int *oom)
{
    size_t a = strlen(root), b = strlen(path);
    char *out = arena_alloc(arena, a + b + 2);
    if (!out) {
        *oom = 1;
        return NULL;
    }
    memcpy(out, root, a);
    out[a] = '/';
    memcpy(out + a + 1, path, b + 1);
    return out;
}

static bool song_double(DbStmt *st, int col, double *ret_value)
{
    if (db_column_is_null(st, col))
        return false;
    *ret_value = db_column_double(st, col);
    return true;
}

/* Reads the current row of a SONG_COLUMNS query. Returns 0 or -ENOMEM. */
static int song_read(DbStmt *st, Arena *arena, Song *s, const char **ret_sort_key)
{
    int oom = 0;
    memset(s, 0, sizeof(*s));
    s->id = song_text(st, arena, 0, &oom);
    s->library_id = db_column_int64(st, 1);
    s->path = song_text(st, arena, 2, &oom);
    const char *root = db_column_text(st, 3);
    s->full_path = song_join(arena, root ? root : "", s->path ? s->path : "", &oom);
    s->size = db_column_int64(st, 4);
    s->mtime = db_column_int64(st, 5);
    s->format = song_text(st, arena, 6, &oom);
    s->codec = song_text(st, arena, 7, &oom);
    s->duration_ms = db_column_int64(st, 8);
    s->bitrate = db_column_int64(st, 9);
    s->sample_rate = db_column_int64(st, 10);
    s->channels = db_column_int64(st, 11);
    s->title = song_text(st, arena, 12, &oom);
    s->artist = song_text(st, arena, 13, &oom);
    s->album = song_text(st, arena, 14, &oom);
    s->album_artist = song_text(st, arena, 15, &oom);
    s->genre = song_text(st, arena, 16, &oom);
    s->track = db_column_int64(st, 17);
    s->disc = db_column_int64(st, 18);
    s->year = db_column_int64(st, 19);
    s->artist_id = song_text(st, arena, 20, &oom);
    s->album_id = song_text(st, arena, 21, &oom);
    const char *sort_key = song_text(st, arena, 22, &oom);
    s->sort_title = sort_key;
    s->bit_depth = db_column_int64(st, 23);
    s->track_total = db_column_int64(st, 24);
    s->disc_total = db_column_int64(st, 25);
    s->disc_subtitle = song_text(st, arena, 26, &oom);
    s->original_year = db_column_int64(st, 27);
    s->release_date = song_text(st, arena, 28, &oom);
    s->compilation = db_column_int64(st, 29) != 0;
    s->mbid = song_text_or_null(st, arena, 30, &oom);
    s->mbid_recording = song_text_or_null(st, arena, 31, &oom);
    s->mbid_album = song_text_or_null(st, arena, 32, &oom);
    s->mbid_artist = song_text_or_null(st, arena, 33, &oom);
    s->mbid_album_artist = song_text_or_null(st, arena, 34, &oom);
    s->mbid_release_group = song_text_or_null(st, arena, 35, &oom);
    s->has_rg_track_gain = song_double(st, 36, &s->rg_track_gain);
    s->has_rg_track_peak = song_double(st, 37, &s->rg_track_peak);
    s->has_rg_album_gain = song_double(st, 38, &s->rg_album_gain);
    s->has_rg_album_peak = song_double(st, 39, &s->rg_album_peak);
    s->comment = song_text(st, arena, 40, &oom);
    s->has_lyrics = db_column_int64(st, 41) != 0;
    s->lyrics_synced = db_column_int64(st, 42) != 0;
    s->bpm = db_column_int64(st, 43);
    s->label = song_text(st, arena, 44, &oom);
    s->folder_id = song_text(st, arena, 45, &oom);
    s->cover_id = song_text_or_null(st, arena, 46, &oom);
    s->created_at = db_column_int64(st, 47);
    s->library_name = song_text(st, arena, 48, &oom);
    if (oom)
        return -ENOMEM;
    if (ret_sort_key)
        *ret_sort_key = sort_key;
    return 0;
}

/* One key of library_song_refs(): its text and the refs entry it fills. */
typedef struct SongRefKey {
    const char *key;
    size_t index;
} SongRefKey;

static int song_ref_key_cmp(const void *a, const void *b)
{
    const SongRefKey *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Returns the first entry of sorted[0..n) whose key is `key`, or NULL. */
static const SongRefKey *song_ref_find(const SongRefKey *sorted, size_t n, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(sorted[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(sorted[lo].key, key) == 0 ? &sorted[lo] : NULL;
}

/* Appends (id, name) to `rf`; capacity doubles at powers of two (arena memory, no realloc). */
static int song_ref_append(Arena *arena, LibraryRefs *rf, const char *id, const char *name)
{
    if ((rf->n & (rf->n - 1)) == 0) {
        size_t cap = rf->n ? rf->n * 2 : 1;
        LibraryRef *grown = arena_alloc(arena, cap * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        if (rf->n)
            memcpy(grown, rf->items, rf->n * sizeof(*grown));
        rf->items = grown;
    }
    LibraryRef *ref = &rf->items[rf->n];
    ref->id = arena_strdup(arena, id);
    ref->name = arena_strdup(arena, name);
    if (!ref->id || !ref->name)
        return -ENOMEM;
    rf->n++;
    return 0;
}

/* The keys of one part, sorted, so a row finds its objects by binary search and a key shared
 * by several objects (the album of ten songs) is bound once and filled once. */
typedef struct SongRefSet {
    SongRefKey *sorted;
    size_t m;     /* keys that are not "" */
    size_t bound; /* distinct keys */
} SongRefSet;

static int song_ref_set(Arena *arena, const LibraryRefPart *part, SongRefSet *set)
{
    set->sorted = arena_alloc(arena, (part->n ? part->n : 1) * sizeof(*set->sorted));
    if (!set->sorted)
        return -ENOMEM;
    set->m = set->bound = 0;
    for (size_t i = 0; i < part->n; i++) {
        if (part->keys[i] && *part->keys[i])
            set->sorted[set->m++] = (SongRefKey){part->keys[i], i};
    }
    qsort(set->sorted, set->m, sizeof(*set->sorted), song_ref_key_cmp);
    for (size_t i = 0; i < set->m; i++)
        set->bound += i == 0 || strcmp(set->sorted[i - 1].key, set->sorted[i].key) != 0;
    return 0;
}

/* Builds "SELECT " + part->sql + "?, ?, ...) ORDER BY ..." from fixed text only, one "?" per
 * distinct key. Returns the Arena-owned SQL or NULL. */
static char *song_ref_sql(Arena *arena, const LibraryRefPart *part, const SongRefSet *set)
{
    static const char select[] = "SELECT ", order[] = ") ORDER BY 1, 4, 5, 2";
    size_t head = strlen(part->sql);
    char *sql = arena_alloc(arena, sizeof(select) + head + 2 * set->bound + sizeof(order));
    if (!sql)
        return NULL;
    size_t off = sizeof(select) - 1;
    memcpy(sql, select, off);
    memcpy(sql + off, part->sql, head);
    off += head;
    for (size_t i = 0; i < set->bound; i++) {
        if (i)
            sql[off++] = ',';
        sql[off++] = '?';
    }
    memcpy(sql + off, order, sizeof(order));
    return sql;
}

/* library_song_refs() for one part. */
static int song_refs_one(DbConn *conn, Arena *arena, const LibraryRefPart *part)
{
    SongRefSet set;
    int r = song_ref_set(arena, part, &set);
    if (r < 0 || set.bound == 0)
        return r;
    char *sql = song_ref_sql(arena, part, &set);
    if (!sql)
        return -ENOMEM;

    DbStmt *st;
    if ((r = db_prepare(conn, sql, &st)) < 0)
        return r;
    int idx = 1;
    for (size_t i = 0; i < set.m; i++) {
        if ((i == 0 || strcmp(set.sorted[i - 1].key, set.sorted[i].key) != 0) &&
            (r = db_bind_text(st, idx++, set.sorted[i].key)) < 0)
            goto out_finalize;
    }
    /* Each row goes to the first object of its key, in row order. */
    while ((r = db_step(st)) == DB_ROW) {
        const char *key = db_column_text(st, 0);
        const char *id = db_column_text(st, 1);
        const char *name = db_column_text(st, 2);
        const SongRefKey *hit = key && id ? song_ref_find(set.sorted, set.m, key) : NULL;
        if (hit && (r = song_ref_append(arena, &part->refs[hit->index], id, name ? name : "")) < 0)
            goto out_finalize;
    }
    if (r > 0)
        r = 0;
    /* The other objects of a key share its (read-only) refs. */
    for (size_t i = 1; r == 0 && i < set.m; i++) {
        if (strcmp(set.sorted[i - 1].key, set.sorted[i].key) == 0)
            part->refs[set.sorted[i].index] = part->refs[set.sorted[i - 1].index];
    }
out_finalize:
    db_finalize(st);
    return r;
}

int library_song_refs(DbConn *conn, Arena *arena, const LibraryRefPart *parts, size_t n_parts)
{
    for (size_t p = 0; p < n_parts; p++) {
        int r = song_refs_one(conn, arena, &parts[p]);
        if (r < 0)
            return r;
    }
    return 0;
}

int library_song_attach(DbConn *conn, Arena *arena, Song *songs, size_t n)
{
    if (n == 0)
        return 0;
    const char **ids = arena_calloc(arena, n, sizeof(*ids));
    const char **album_ids = arena_calloc(arena, n, sizeof(*album_ids));
    LibraryRefs *artists = arena_calloc(arena, n, sizeof(*artists));
    LibraryRefs *album_artists = arena_calloc(arena, n, sizeof(*album_artists));
    LibraryRefs *genres = arena_calloc(arena, n, sizeof(*genres));
    if (!ids || !album_ids || !artists || !album_artists || !genres)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        ids[i] = songs[i].id;
        album_ids[i] = songs[i].album_id;
    }
    /* Artists in tag order, genres by name. */
    const LibraryRefPart parts[] = {
        {"sa.song_id, a.id, a.name, sa.position, '' FROM song_artists sa"
         " JOIN artists a ON a.id = sa.artist_id WHERE sa.song_id IN (",
         ids, n, artists},
        {"aa.album_id, a.id, a.name, aa.position, '' FROM album_artists aa"
         " JOIN artists a ON a.id = aa.artist_id WHERE aa.album_id IN (",
         album_ids, n, album_artists},
        {"sg.song_id, g.id, g.name, 0, g.sort_name FROM song_genres sg"
         " JOIN genres g ON g.id = sg.genre_id WHERE sg.song_id IN (",
         ids, n, genres},
    };
    int r = library_song_refs(conn, arena, parts, sizeof(parts) / sizeof(parts[0]));
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        songs[i].artists = artists[i];
        songs[i].album_artists = album_artists[i];
        songs[i].genres = genres[i];
    }
    return 0;
}

/* Steps `st` (bound) into up to `max` songs; *ret_more tells whether row max+1 existed. */
static int song_collect(DbStmt *st, Arena *arena, size_t max, Song **ret_songs,
                        const char ***ret_keys, size_t *ret_count, bool *ret_more)
{
    Song *songs = arena_calloc(arena, max + 1, sizeof(*songs));
    const char **keys = arena_calloc(arena, max + 1, sizeof(*keys));
    if (!songs || !keys)
        return -ENOMEM;
    size_t n = 0;
    bool more = false;
    int r;
    while ((r = db_step(st)) == DB_ROW) {
        if (n == max) {
            more = true;
            break;
        }
        r = song_read(st, arena, &songs[n], &keys[n]);
        if (r < 0)
            return r;
        n++;
    }
    if (r < 0)
        return r;
    *ret_songs = songs;
    if (ret_keys)
        *ret_keys = keys;
    *ret_count = n;
    if (ret_more)
        *ret_more = more;
    return 0;
}

/* Prepares head + SONG_SCOPE + tail and binds the scope's ids from *idx on. */
/* Collects up to `max` rows of the bound statement `st` (finalized here, whatever happens)
 * and attaches their related rows. Returns 0, -ENOMEM or ERR_DB. */
static int song_collect_attached(DbConn *conn, Arena *arena, DbStmt *st, size_t max,
                                 Song **ret_songs, size_t *ret_count)
{
    Song *songs;
    size_t n;
    int r = song_collect(st, arena, max, &songs, NULL, &n, NULL);
    db_finalize(st);
    if (r < 0 || (r = library_song_attach(conn, arena, songs, n)) < 0)
        return r;
    *ret_songs = songs;
    *ret_count = n;
    return 0;
}

static int song_prepare(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *head,
                        const char *tail, DbStmt **ret_st, int *idx)
{
    const char *sql = library_scope_sql(arena, scope, head, SONG_SCOPE, tail);
    if (!sql)
        return -ENOMEM;
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    if ((r = library_scope_bind(st, scope, SONG_SCOPE, idx)) < 0) {
        db_finalize(st);
        return r;
    }
    *ret_st = st;
    return 0;
}

int library_song_get(DbConn *conn, Arena *arena, const char *id, Song *ret_song)
{
    return library_song_get_scoped(conn, arena, NULL, id, ret_song);
}

int library_song_get_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *id,
                            Song *ret_song)
{
    if (!library_cursor_id_valid(id))
        return -ENOENT;
    DbStmt *st;
    int idx = 1;
    int r = song_prepare(conn, arena, scope, "SELECT " SONG_COLUMNS SONG_FROM, " AND s.id = ?", &st,
                         &idx);
    if (r < 0)
        return r;
    Song *songs;
    size_t n;
    if ((r = db_bind_text(st, idx, id)) < 0 ||
        (r = song_collect(st, arena, 1, &songs, NULL, &n, NULL)) < 0)
        goto out_finalize;
    db_finalize(st);
    st = NULL;
    if (n == 0)
        return -ENOENT;
    r = library_song_attach(conn, arena, songs, 1);
    if (r == 0)
        *ret_song = songs[0];
out_finalize:
    db_finalize(st);
    return r;
}

int library_song_list(DbConn *conn, Arena *arena, const char *cursor, int limit, Song **ret_songs,
                      size_t *ret_count, const char **ret_next)
{
    return library_song_list_scoped(conn, arena, NULL, cursor, limit, ret_songs, ret_count,
                                    ret_next);
}

int library_song_list_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                             const char *cursor, int limit, Song **ret_songs, size_t *ret_count,
                             const char **ret_next)
{
    if (limit < 1 || limit > LIMIT_PAGE_MAX)
        return -EINVAL;
    const char *after_key = NULL, *after_id = NULL;
    if (cursor) {
        int r = library_cursor_decode(arena, cursor, &after_key, &after_id);
        if (r < 0)
            return r;
    }
    DbStmt *st;
    int idx = 1;
    int r = song_prepare(conn, arena, scope, "SELECT " SONG_COLUMNS SONG_FROM,
                         cursor ? " AND (s.sort_title, s.id) > (?, ?)"
                                  " ORDER BY s.sort_title, s.id LIMIT ?"
                                : " ORDER BY s.sort_title, s.id LIMIT ?",
                         &st, &idx);
    if (r < 0)
        return r;
    if (cursor) {
        if ((r = db_bind_text(st, idx++, after_key)) < 0 ||
            (r = db_bind_text(st, idx++, after_id)) < 0)
            goto out_finalize;
    }
    /* One row more than asked tells whether a next page exists. */
    if ((r = db_bind_int64(st, idx, limit + 1)) < 0)
        goto out_finalize;
    Song *songs;
    const char **keys;
    size_t n;
    bool more;
    if ((r = song_collect(st, arena, (size_t)limit, &songs, &keys, &n, &more)) < 0)
        goto out_finalize;
    db_finalize(st);
    st = NULL;
    const char *next = NULL;
    if (more) {
        next = library_cursor_encode(arena, keys[n - 1], songs[n - 1].id);
        if (!next) {
            r = -ENOMEM;
            goto out_finalize;
        }
    }
    if ((r = library_song_attach(conn, arena, songs, n)) < 0)
        goto out_finalize;
    *ret_songs = songs;
    *ret_count = n;
    *ret_next = next;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_song_album(DbConn *conn, Arena *arena, const char *album_id, int max, Song **ret_songs,
                       size_t *ret_count)
{
    return library_song_album_scoped(conn, arena, NULL, album_id, max, ret_songs, ret_count);
}

int library_song_album_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                              const char *album_id, int max, Song **ret_songs, size_t *ret_count)
{
    if (max < 1)
        return -EINVAL;
    DbStmt *st;
    int idx = 1;
    int r = song_prepare(conn, arena, scope, "SELECT " SONG_COLUMNS SONG_FROM,
                         " AND s.album_id = ?" SONG_ALBUM_ORDER " LIMIT ?", &st, &idx);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, idx, album_id)) < 0 || (r = db_bind_int64(st, idx + 1, max)) < 0) {
        db_finalize(st);
        return r;
    }
    return song_collect_attached(conn, arena, st, (size_t)max, ret_songs, ret_count);
}

int library_song_folder(DbConn *conn, Arena *arena, const char *folder_id, const char *after_path,
                        const char *after_id, int limit, Song **ret_songs, size_t *ret_count,
                        bool *ret_more)
{
    return library_song_folder_scoped(conn, arena, NULL, folder_id, after_path, after_id, limit,
                                      ret_songs, ret_count, ret_more);
}

int library_song_folder_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                               const char *folder_id, const char *after_path, const char *after_id,
                               int limit, Song **ret_songs, size_t *ret_count, bool *ret_more)
{
    if (limit < 1 || limit > LIMIT_PAGE_MAX)
        return -EINVAL;
    bool after = after_path && after_id;
    DbStmt *st;
    int idx = 1;
    int r = song_prepare(conn, arena, scope, "SELECT " SONG_COLUMNS SONG_FROM,
                         after ? " AND s.folder_id = ?"
                                 " AND (s.path, s.id) > (?, ?) ORDER BY s.path, s.id LIMIT ?"
                               : " AND s.folder_id = ? ORDER BY s.path, s.id LIMIT ?",
                         &st, &idx);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, idx++, folder_id)) < 0)
        goto out_finalize;
    if (after && ((r = db_bind_text(st, idx++, after_path)) < 0 ||
                  (r = db_bind_text(st, idx++, after_id)) < 0))
        goto out_finalize;
    Song *songs;
    size_t n;
    bool more;
    if ((r = db_bind_int64(st, idx, limit + 1)) < 0 ||
        (r = song_collect(st, arena, (size_t)limit, &songs, NULL, &n, &more)) < 0)
        goto out_finalize;
    db_finalize(st);
    st = NULL;
    if ((r = library_song_attach(conn, arena, songs, n)) < 0)
        goto out_finalize;
    *ret_songs = songs;
    *ret_count = n;
    *ret_more = more;
out_finalize:
    db_finalize(st);
    return r;
}

int library_song_by_ids(DbConn *conn, Arena *arena, const char *const *ids, size_t n,
                        Song **ret_songs, size_t *ret_count)
{
    return library_song_by_ids_scoped(conn, arena, NULL, ids, n, ret_songs, ret_count);
}

int library_song_by_ids_all(DbConn *conn, Arena *arena, const LibraryScope *scope,
                            const char *const *ids, size_t n, Song **ret_songs, size_t *ret_count)
{
    Song *all = arena_calloc(arena, n + 1, sizeof(*all));
    if (!all)
        return -ENOMEM;
    size_t total = 0;
    for (size_t off = 0; off < n; off += LIMIT_PAGE_MAX) {
        size_t chunk = n - off < LIMIT_PAGE_MAX ? n - off : LIMIT_PAGE_MAX;
        Song *songs;
        size_t got;
        int r = library_song_by_ids_scoped(conn, arena, scope, ids + off, chunk, &songs, &got);
        if (r < 0)
            return r;
        for (size_t i = 0; i < got && total < n; i++)
            all[total++] = songs[i];
    }
    *ret_songs = all;
    *ret_count = total;
    return 0;
}

/* Orders songs by id, for the lookups of library_song_by_ids_scoped(). */
static int song_cmp_id(const void *a, const void *b)
{
    return strcmp(((const Song *)a)->id, ((const Song *)b)->id);
}

int library_song_by_ids_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                               const char *const *ids, size_t n, Song **ret_songs,
                               size_t *ret_count)
{
    if (n > LIMIT_PAGE_MAX)
        return -EINVAL;
    Song *out = arena_calloc(arena, n + 1, sizeof(*out));
    Song *found = arena_calloc(arena, n + 1, sizeof(*found));
    char *marks = arena_alloc(arena, 3 * n + 1);
    if (!out || !found || !marks)
        return -ENOMEM;
    /* One query for the whole page, "s.id IN (?, ?, ...)" with one placeholder per
     * well-formed id (the ids are bound, never pasted), then the rows are put back in the
     * caller's order, repeats included: one round trip instead of one per id. */
    size_t valid = 0, len = 0, k = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        if (library_cursor_id_valid(ids[i])) {
            memcpy(marks + len, valid ? ", ?" : "?", valid ? 3 : 1);
            len += valid ? 3 : 1;
            valid++;
        }
    }
    marks[len] = '\0';
    int r = 0;
    DbStmt *st = NULL;
    if (valid == 0)
        goto out_done;
    const char *tail = arena_printf(arena, " AND s.id IN (%s)", marks);
    const char *sql =
        tail ? library_scope_sql(arena, scope, "SELECT " SONG_COLUMNS SONG_FROM, SONG_SCOPE, tail)
             : NULL;
    if (!sql)
        return -ENOMEM;
    if ((r = db_prepare(conn, sql, &st)) < 0)
        return r;
    int idx = 1;
    if ((r = library_scope_bind(st, scope, SONG_SCOPE, &idx)) < 0)
        goto out_finalize;
    for (size_t i = 0; i < n; i++) {
        if (library_cursor_id_valid(ids[i]) && (r = db_bind_text(st, idx++, ids[i])) < 0)
            goto out_finalize;
    }
    while (k < valid && (r = db_step(st)) == DB_ROW) {
        if ((r = song_read(st, arena, &found[k], NULL)) < 0)
            goto out_finalize;
        k++;
    }
    if (r < 0)
        goto out_finalize;
    db_finalize(st);
    st = NULL;
    if ((r = library_song_attach(conn, arena, found, k)) < 0)
        goto out_finalize;
    qsort(found, k, sizeof(*found), song_cmp_id);
    for (size_t i = 0; i < n; i++) {
        if (!library_cursor_id_valid(ids[i]))
            continue;
        Song key = {.id = ids[i]};
        const Song *hit = bsearch(&key, found, k, sizeof(*found), song_cmp_id);
        if (hit)
            out[count++] = *hit;
    }
out_done:
    *ret_songs = out;
    *ret_count = count;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_song_lyrics(DbConn *conn, Arena *arena, const char *id, const char **ret_text,
                        bool *ret_synced)
{
    return library_song_lyrics_scoped(conn, arena, NULL, id, ret_text, ret_synced);
}

int library_song_lyrics_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                               const char *id, const char **ret_text, bool *ret_synced)
{
    if (!library_cursor_id_valid(id))
        return -ENOENT;
    DbStmt *st;
    int idx = 1;
    int r = song_prepare(conn, arena, scope,
                         "SELECT s.lyrics, s.lyrics_synced FROM songs s"
                         " WHERE s.missing = 0",
                         " AND s.id = ?", &st, &idx);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, idx, id)) < 0)
        goto out_finalize;
    r = db_step(st);
    if (r == DB_DONE) {
        r = -ENOENT;
    } else if (r == DB_ROW) {
        const char *t = db_column_text(st, 0);
        const char *text = arena_strdup(arena, t ? t : "");
        if (!text) {
            r = -ENOMEM;
            goto out_finalize;
        }
        *ret_text = text;
        *ret_synced = db_column_int64(st, 1) != 0;
        r = 0;
    }
out_finalize:
    db_finalize(st);
    return r;
}

int library_song_filter(DbConn *conn, Arena *arena, const LibraryScope *scope, const SongFilter *f,
                        int64_t offset, int limit, Song **ret_songs, size_t *ret_count)
{
    if (limit < 1 || limit > LIMIT_PAGE_MAX || offset < 0 || offset > LIMIT_SONG_OFFSET_MAX)
        return -EINVAL;
    /* fixed fragments only; the values are bound */
    const char *tail =
        arena_printf(arena, "%s%s%s%s LIMIT ? OFFSET ?",
                     f->genre_id ? " AND EXISTS (SELECT 1 FROM song_genres g WHERE g.song_id = s.id"
                                   " AND g.genre_id = ?)"
                                 : "",
                     f->from_year ? " AND s.year >= ?" : "", f->to_year ? " AND s.year <= ?" : "",
                     f->random ? " ORDER BY random()" : " ORDER BY s.sort_title, s.id");
    if (!tail)
        return -ENOMEM;
    DbStmt *st;
    int idx = 1;
    int r = song_prepare(conn, arena, scope, "SELECT " SONG_COLUMNS SONG_FROM, tail, &st, &idx);
    if (r < 0)
        return r;
    if ((f->genre_id && (r = db_bind_text(st, idx++, f->genre_id)) < 0) ||
        (f->from_year && (r = db_bind_int64(st, idx++, f->from_year)) < 0) ||
        (f->to_year && (r = db_bind_int64(st, idx++, f->to_year)) < 0) ||
        (r = db_bind_int64(st, idx++, limit)) < 0 ||
        (r = db_bind_int64(st, idx, f->random ? 0 : offset)) < 0) {
        db_finalize(st);
        return r;
    }
    return song_collect_attached(conn, arena, st, (size_t)limit, ret_songs, ret_count);
}
