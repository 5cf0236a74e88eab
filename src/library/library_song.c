/*
 * library_song.c - song queries used by api/. One SELECT column list, one row reader, so
 * every query returns songs the same way; related rows are loaded per page, not per row.
 */
#include "library/library_song.h"

#include "core/err.h"
#include "core/limits.h"
#include "library/library_cursor.h"
#include "library/library_keyset.h"
#include "library/library_marks.h"
#include "library/library_names.h"
#include "library/library_random.h"

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
    "s.cover_id, s.created_at, l.name, s.artist_refs, s.album_artist_refs, s.genre_refs"

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
    s->artist_refs = song_text(st, arena, 49, &oom);
    s->album_artist_refs = song_text(st, arena, 50, &oom);
    s->genre_refs = song_text(st, arena, 51, &oom);
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
    rf->items[rf->n++] = (LibraryRef){id, name};
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

/* An IN list has its distinct values padded with NULLs to a power of two of at least
 * SONG_REF_IN_MIN marks, so the pages of a list reuse a few SQL texts (the statement caches of
 * both backends keep them) instead of one text per count. A single value stays alone: SQLite
 * reads "IN (?)" as "= ?", while a longer list is first copied into a temporary index, whose
 * allocation and release cost a single song (each stream request loads one) about 40 us and
 * made the allocator hand memory back to the kernel. */
#define SONG_REF_IN_MIN 8

static size_t song_ref_marks(size_t n)
{
    if (n <= 1)
        return 1;
    size_t p = SONG_REF_IN_MIN;
    while (p < n)
        p *= 2;
    return p;
}

/* A growing SQL text of fixed fragments and "?" marks, in arena memory. */
typedef struct SongRefSql {
    char *text;
    size_t len, cap;
} SongRefSql;

static int song_ref_sql_add(Arena *arena, SongRefSql *q, const char *s, size_t n)
{
    if (q->len + n + 1 > q->cap) {
        size_t cap = q->cap ? q->cap : 256;
        while (q->len + n + 1 > cap)
            cap *= 2;
        char *grown = arena_alloc(arena, cap);
        if (!grown)
            return -ENOMEM;
        if (q->len)
            memcpy(grown, q->text, q->len);
        q->text = grown;
        q->cap = cap;
    }
    memcpy(q->text + q->len, s, n);
    q->len += n;
    q->text[q->len] = '\0';
    return 0;
}

/* Appends one branch: `select` (fixed text ending in "IN ("), `marks` "?" and ")". */
static int song_ref_sql_branch(Arena *arena, SongRefSql *q, const char *select, size_t marks)
{
    static const char sep[] = " UNION ALL ";
    int r = q->len ? song_ref_sql_add(arena, q, sep, sizeof(sep) - 1) : 0;
    if (r < 0 || (r = song_ref_sql_add(arena, q, select, strlen(select))) < 0)
        return r;
    for (size_t i = 0; i < marks; i++) {
        if ((r = song_ref_sql_add(arena, q, i ? ",?" : "?", i ? 2 : 1)) < 0)
            return r;
    }
    return song_ref_sql_add(arena, q, ")", 1);
}

/* Binds the distinct keys of sorted[0..m) (`bound` of them), then NULLs up to `marks`. */
static int song_ref_bind(DbStmt *st, int *idx, const SongRefKey *sorted, size_t m, size_t marks)
{
    size_t bound = 0;
    int r = 0;
    for (size_t i = 0; r == 0 && i < m; i++) {
        if (i == 0 || strcmp(sorted[i - 1].key, sorted[i].key) != 0) {
            r = db_bind_text(st, (*idx)++, sorted[i].key);
            bound++;
        }
    }
    for (; r == 0 && bound < marks; bound++)
        r = db_bind_null(st, (*idx)++);
    return r;
}

/* A related object (artist or genre) named by the rows of a page: its name is NULL until
 * read; NULL after, there is no such row and the relation row is dropped. */
typedef LibraryName SongRefName;
_Static_assert(LIBRARY_REF_KINDS <= LIBRARY_NAMES_KINDS, "each kind has its names apart");

/* One relation row: the part and object it belongs to, its position and its target. */
typedef struct SongRefRow {
    size_t part, index;
    int64_t position;
    const char *target;
    const SongRefName *name;
} SongRefRow;

static int song_ref_name_cmp(const void *a, const void *b)
{
    return strcmp(((const SongRefName *)a)->id, ((const SongRefName *)b)->id);
}

/* The order of library_song_refs(): part, object, position, sort text, id. */
static int song_ref_row_cmp(const void *a, const void *b)
{
    const SongRefRow *x = a, *y = b;
    if (x->part != y->part)
        return x->part < y->part ? -1 : 1;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    if (x->position != y->position)
        return x->position < y->position ? -1 : 1;
    int c = strcmp(x->name->sort, y->name->sort);
    return c ? c : strcmp(x->target, y->target);
}

/* The rows and names of one library_song_refs() call. */
typedef struct SongRefLoad {
    SongRefSet sets[LIBRARY_REF_PARTS_MAX];
    SongRefRow *rows;
    size_t n_rows, cap;
    SongRefName *names[LIBRARY_REF_KINDS]; /* distinct targets per kind, sorted by id */
    size_t n_names[LIBRARY_REF_KINDS];
} SongRefLoad;

static int song_ref_row_add(Arena *arena, SongRefLoad *ld, const SongRefRow *row)
{
    if (ld->n_rows == ld->cap) {
        size_t cap = ld->cap ? ld->cap * 2 : 64;
        SongRefRow *grown = arena_alloc(arena, cap * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        if (ld->n_rows)
            memcpy(grown, ld->rows, ld->n_rows * sizeof(*grown));
        ld->rows = grown;
        ld->cap = cap;
    }
    ld->rows[ld->n_rows++] = *row;
    return 0;
}

/* Adds the rows of one object's list (LibraryRefPart.lists): "position target" or "target"
 * entries separated by ','. */
static int song_refs_list(Arena *arena, SongRefLoad *ld, size_t p, size_t index, const char *list)
{
    while (*list) {
        const char *end = strchr(list, ',');
        size_t len = end ? (size_t)(end - list) : strlen(list);
        const char *sp = memchr(list, ' ', len);
        SongRefRow row = {p, index, 0, NULL, NULL};
        if (sp) {
            row.position = strtoll(list, NULL, 10);
            len -= (size_t)(sp + 1 - list);
            list = sp + 1;
        }
        if (len) {
            if (!(row.target = arena_strndup(arena, list, len)))
                return -ENOMEM;
            int r = song_ref_row_add(arena, ld, &row);
            if (r < 0)
                return r;
        }
        list += len;
        list += *list == ',';
    }
    return 0;
}

/* Step 1: the relation rows of every part, from the objects' lists or with one statement
 * ("p, key, target, position") for the parts that have none. */
static int song_refs_rows(DbConn *conn, Arena *arena, const LibraryRefPart *parts, size_t n_parts,
                          SongRefLoad *ld)
{
    SongRefSql q = {0};
    int r = 0;
    for (size_t p = 0; p < n_parts; p++) {
        const SongRefSet *set = &ld->sets[p];
        if ((r = song_ref_set(arena, &parts[p], &ld->sets[p])) < 0)
            return r;
        if (set->bound == 0)
            continue;
        if (parts[p].lists) { /* once per distinct key: its other objects share the rows */
            for (size_t i = 0; r == 0 && i < set->m; i++) {
                if (i == 0 || strcmp(set->sorted[i - 1].key, set->sorted[i].key) != 0) {
                    const char *list = parts[p].lists[set->sorted[i].index];
                    r = song_refs_list(arena, ld, p, set->sorted[i].index, list ? list : "");
                }
            }
            if (r < 0)
                return r;
            continue;
        }
        const char *head = arena_printf(arena, "SELECT %zu, %s", p, parts[p].sql);
        if (!head)
            return -ENOMEM;
        if ((r = song_ref_sql_branch(arena, &q, head, song_ref_marks(ld->sets[p].bound))) < 0)
            return r;
    }
    if (q.len == 0)
        return 0;
    DbStmt *st;
    if ((r = db_prepare(conn, q.text, &st)) < 0)
        return r;
    int idx = 1;
    for (size_t p = 0; r == 0 && p < n_parts; p++) {
        const SongRefSet *set = &ld->sets[p];
        if (set->bound && !parts[p].lists)
            r = song_ref_bind(st, &idx, set->sorted, set->m, song_ref_marks(set->bound));
    }
    while (r == 0 && (r = db_step(st)) == DB_ROW) {
        r = 0;
        int64_t p = db_column_int64(st, 0);
        const char *key = db_column_text(st, 1), *target = db_column_text(st, 2);
        if (p < 0 || (size_t)p >= n_parts || !key || !target)
            continue;
        const SongRefKey *hit = song_ref_find(ld->sets[p].sorted, ld->sets[p].m, key);
        if (!hit)
            continue;
        SongRefRow row = {(size_t)p, hit->index, db_column_int64(st, 3),
                          arena_strdup(arena, target), NULL};
        if (!row.target)
            r = -ENOMEM;
        else
            r = song_ref_row_add(arena, ld, &row);
    }
    db_finalize(st);
    return r < 0 ? r : 0;
}

/* Step 2: the distinct targets of the rows per kind, sorted by id. */
static int song_refs_targets(Arena *arena, const LibraryRefPart *parts, SongRefLoad *ld)
{
    for (size_t k = 0; k < LIBRARY_REF_KINDS; k++) {
        ld->names[k] = arena_alloc(arena, (ld->n_rows ? ld->n_rows : 1) * sizeof(SongRefName));
        if (!ld->names[k])
            return -ENOMEM;
        ld->n_names[k] = 0;
    }
    for (size_t i = 0; i < ld->n_rows; i++) {
        size_t k = parts[ld->rows[i].part].kind;
        ld->names[k][ld->n_names[k]++] = (SongRefName){ld->rows[i].target, NULL, ""};
    }
    for (size_t k = 0; k < LIBRARY_REF_KINDS; k++) {
        SongRefName *v = ld->names[k];
        size_t n = 0;
        qsort(v, ld->n_names[k], sizeof(*v), song_ref_name_cmp);
        for (size_t i = 0; i < ld->n_names[k]; i++) {
            if (n == 0 || strcmp(v[n - 1].id, v[i].id) != 0)
                v[n++] = v[i];
        }
        ld->n_names[k] = n;
    }
    return 0;
}

/* Step 3: the names of the targets, from the pool's table of names (library_names.h) for
 * the current library generation, the others with one statement ("kind, id, name,
 * sort_text"), then kept in that table. */
static int song_refs_names(DbConn *conn, Arena *arena, SongRefLoad *ld)
{
    static const char *const select[LIBRARY_REF_KINDS] = {
        [LIBRARY_REF_ARTIST] = "SELECT 0, r.id, r.name, '' FROM artists r WHERE r.id IN (",
        [LIBRARY_REF_GENRE] = "SELECT 1, g.id, g.name, g.sort_name FROM genres g WHERE g.id IN (",
    };
    /* Not inside a transaction: its snapshot may be older than the stamp, or hold names it
     * changed itself and may roll back. */
    Db *db;
    LibraryNames *cache = library_names_of(conn, &db);
    int64_t stamp = 0;
    if (cache &&
        (db_in_transaction(conn) || db_generation_get(db, conn, DB_GENERATION_LIBRARY, &stamp) < 0))
        cache = NULL;                     /* read them all */
    SongRefName *miss[LIBRARY_REF_KINDS]; /* the targets not in the table, sorted by id */
    size_t n_miss[LIBRARY_REF_KINDS];
    SongRefSql q = {0};
    int r = 0;
    for (size_t k = 0; k < LIBRARY_REF_KINDS; k++) {
        if (cache && (r = library_names_get(cache, arena, stamp, (unsigned)k, ld->names[k],
                                            ld->n_names[k])) < 0)
            return r;
        size_t n = ld->n_names[k] - (cache ? (size_t)r : 0);
        if (!(miss[k] = arena_alloc(arena, (n ? n : 1) * sizeof(*miss[k]))))
            return -ENOMEM;
        n_miss[k] = 0;
        for (size_t i = 0; i < ld->n_names[k]; i++) {
            if (!ld->names[k][i].name)
                miss[k][n_miss[k]++] = ld->names[k][i];
        }
        if (n_miss[k] &&
            (r = song_ref_sql_branch(arena, &q, select[k], song_ref_marks(n_miss[k]))) < 0)
            return r;
    }
    if (q.len == 0)
        return 0;
    DbStmt *st;
    if ((r = db_prepare(conn, q.text, &st)) < 0)
        return r;
    int idx = 1;
    for (size_t k = 0; r == 0 && k < LIBRARY_REF_KINDS; k++) {
        size_t marks = n_miss[k] ? song_ref_marks(n_miss[k]) : 0;
        for (size_t i = 0; r == 0 && i < marks; i++)
            r = i < n_miss[k] ? db_bind_text(st, idx++, miss[k][i].id) : db_bind_null(st, idx++);
    }
    while (r == 0 && (r = db_step(st)) == DB_ROW) {
        r = 0;
        int64_t k = db_column_int64(st, 0);
        SongRefName key = {db_column_text(st, 1), NULL, NULL};
        if (k < 0 || k >= LIBRARY_REF_KINDS || !key.id)
            continue;
        SongRefName *hit = bsearch(&key, miss[k], n_miss[k], sizeof(key), song_ref_name_cmp);
        SongRefName *to =
            bsearch(&key, ld->names[k], ld->n_names[k], sizeof(key), song_ref_name_cmp);
        if (!hit || !to)
            continue;
        const char *name = db_column_text(st, 2), *sort = db_column_text(st, 3);
        hit->name = to->name = arena_strdup(arena, name ? name : "");
        hit->sort = to->sort = arena_strdup(arena, sort ? sort : "");
        if (!hit->name || !hit->sort)
            r = -ENOMEM;
    }
    db_finalize(st);
    for (size_t k = 0; cache && r >= 0 && k < LIBRARY_REF_KINDS; k++)
        library_names_put(cache, stamp, (unsigned)k, miss[k], n_miss[k]);
    return r < 0 ? r : 0;
}

int library_song_refs(DbConn *conn, Arena *arena, const LibraryRefPart *parts, size_t n_parts)
{
    if (n_parts > LIBRARY_REF_PARTS_MAX)
        return -EINVAL;
    SongRefLoad ld = {0};
    int r = song_refs_rows(conn, arena, parts, n_parts, &ld);
    if (r < 0 || ld.n_rows == 0)
        return r;
    if ((r = song_refs_targets(arena, parts, &ld)) < 0 ||
        (r = song_refs_names(conn, arena, &ld)) < 0)
        return r;
    /* A relation row whose target has no row is dropped, as an inner join drops it. */
    size_t n = 0;
    for (size_t i = 0; i < ld.n_rows; i++) {
        SongRefName key = {ld.rows[i].target, NULL, NULL};
        size_t k = parts[ld.rows[i].part].kind;
        const SongRefName *hit =
            bsearch(&key, ld.names[k], ld.n_names[k], sizeof(key), song_ref_name_cmp);
        if (hit && hit->name) {
            ld.rows[n] = ld.rows[i];
            ld.rows[n++].name = hit;
        }
    }
    qsort(ld.rows, n, sizeof(*ld.rows), song_ref_row_cmp);
    for (size_t i = 0; i < n; i++) {
        const SongRefRow *row = &ld.rows[i];
        if ((r = song_ref_append(arena, &parts[row->part].refs[row->index], row->name->id,
                                 row->name->name)) < 0)
            return r;
    }
    /* The other objects of a key share its (read-only) refs. */
    for (size_t p = 0; p < n_parts; p++) {
        const SongRefSet *set = &ld.sets[p];
        for (size_t i = 1; i < set->m; i++) {
            if (strcmp(set->sorted[i - 1].key, set->sorted[i].key) == 0)
                parts[p].refs[set->sorted[i].index] = parts[p].refs[set->sorted[i - 1].index];
        }
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
    const char **lists[3];
    for (size_t k = 0; k < 3; k++) {
        if (!(lists[k] = arena_calloc(arena, n, sizeof(*lists[k]))))
            return -ENOMEM;
    }
    /* The rows' copies of their related ids (migration 0020) when every song has them: then
     * only the names are looked up (and those are mostly held by library_names.c). */
    bool copied = true;
    for (size_t i = 0; i < n; i++) {
        ids[i] = songs[i].id;
        album_ids[i] = songs[i].album_id;
        lists[0][i] = songs[i].artist_refs;
        lists[1][i] = songs[i].album_artist_refs;
        lists[2][i] = songs[i].genre_refs;
        copied = copied && lists[0][i] && lists[1][i] && lists[2][i];
    }
    /* Artists in tag order, genres by name. */
    const LibraryRefPart parts[] = {
        {"sa.song_id, sa.artist_id, sa.position FROM song_artists sa WHERE sa.song_id IN (",
         LIBRARY_REF_ARTIST, ids, n, artists, copied ? lists[0] : NULL},
        {"aa.album_id, aa.artist_id, aa.position FROM album_artists aa WHERE aa.album_id IN (",
         LIBRARY_REF_ARTIST, album_ids, n, album_artists, copied ? lists[1] : NULL},
        {"sg.song_id, sg.genre_id, 0 FROM song_genres sg WHERE sg.song_id IN (", LIBRARY_REF_GENRE,
         ids, n, genres, copied ? lists[2] : NULL},
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

/* Prepares head + `clause` (a scope clause, library_scope.h) + tail and binds the scope's ids
 * from *idx on. */
static int song_prepare_in(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *head,
                           const char *clause, const char *tail, DbStmt **ret_st, int *idx)
{
    const char *sql = library_scope_sql(arena, scope, head, clause, tail);
    if (!sql)
        return -ENOMEM;
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    if ((r = library_scope_bind(st, scope, clause, idx)) < 0) {
        db_finalize(st);
        return r;
    }
    *ret_st = st;
    return 0;
}

/* Prepares head + SONG_SCOPE + tail and binds the scope's ids from *idx on. */
static int song_prepare(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *head,
                        const char *tail, DbStmt **ret_st, int *idx)
{
    return song_prepare_in(conn, arena, scope, head, SONG_SCOPE, tail, ret_st, idx);
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
    /* One row more than asked tells whether a next page exists. */
    const char *tail = library_keyset_limit_sql(arena,
                                                cursor ? " AND (s.sort_title, s.id) > (?, ?)"
                                                         " ORDER BY s.sort_title, s.id LIMIT ?"
                                                       : " ORDER BY s.sort_title, s.id LIMIT ?",
                                                limit + 1);
    if (!tail)
        return -ENOMEM;
    DbStmt *st;
    int idx = 1;
    int r = song_prepare(conn, arena, scope, "SELECT " SONG_COLUMNS SONG_FROM, tail, &st, &idx);
    if (r < 0)
        return r;
    if (cursor && ((r = db_bind_text(st, idx++, after_key)) < 0 ||
                   (r = db_bind_text(st, idx++, after_id)) < 0))
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

/* The WHERE fragments of `f` that follow the scope clause, then `rest`: fixed text only,
 * the values bound by song_filter_bind() in the same order. A query with a genre reads the
 * genre's rows of song_genres g itself. Arena-owned, or NULL. */
static const char *song_filter_where(Arena *arena, const SongFilter *f, const char *rest)
{
    return arena_printf(arena, "%s%s%s%s", f->genre_id ? " AND g.genre_id = ?" : "",
                        f->from_year ? " AND s.year >= ?" : "",
                        f->to_year ? " AND s.year <= ?" : "", rest);
}

/* Binds the values of song_filter_where() from parameter *idx on, advancing *idx. */
static int song_filter_bind(DbStmt *st, const SongFilter *f, int *idx)
{
    int r = 0;
    if ((f->genre_id && (r = db_bind_text(st, (*idx)++, f->genre_id)) < 0) ||
        (f->from_year && (r = db_bind_int64(st, (*idx)++, f->from_year)) < 0) ||
        (f->to_year && (r = db_bind_int64(st, (*idx)++, f->to_year)) < 0))
        return r;
    return 0;
}

/* Heads of the queries of a genre's songs that start from its rows of song_genres: CROSS
 * JOIN keeps SQLite from walking every song in title order to test each one's genre. */
#define SONG_GENRE_FROM  " FROM song_genres g CROSS JOIN songs s"
#define SONG_GENRE_WHERE " WHERE s.id = g.song_id AND s.missing = 0"

/* A genre's songs in title order (migration 0014): the rows of song_genres g hold copies of
 * their song's sort_title, missing and library_id, kept equal by triggers, and the index
 * song_genres_sort (genre_id, missing, sort_title, song_id, library_id) lists the present
 * songs of a genre by (sort_title, id) with their library, so the scope clause reads the
 * copy and any page is a range of that index. */
#define SONG_GENRE_SCOPE " AND g.library_id IN (@)"
#define SONG_GENRE_ORDER " ORDER BY g.sort_title, g.song_id"

/* The head of a query of the ids of the songs passing `f` ("SELECT id ... WHERE ..."), to be
 * followed by song_ids_scope(f): with a genre, its rows of song_genres alone, the songs
 * joined only when years are tested. */
static const char *song_ids_head(const SongFilter *f)
{
    if (!f->genre_id)
        return "SELECT s.id FROM songs s WHERE s.missing = 0";
    if (f->from_year || f->to_year)
        return "SELECT g.song_id" SONG_GENRE_FROM SONG_GENRE_WHERE " AND g.missing = 0";
    return "SELECT g.song_id FROM song_genres g WHERE g.missing = 0";
}

/* The scope clause that follows song_ids_head(f). */
static const char *song_ids_scope(const SongFilter *f)
{
    return f->genre_id ? SONG_GENRE_SCOPE : SONG_SCOPE;
}

/* Reads up to `limit` rows of the list by (sort_title, id) of the songs passing `f`, from
 * keys only: without a genre the index songs_sort_present alone (migration 0013), with one
 * song_genres_sort alone (0014; the songs are joined only to test years), skipping `skip`
 * rows after the key `after` (its sort title and id; NULL: from the start) inside one index.
 * Writes Arena-owned ids to `ids` and, when `sorts` is not NULL, their sort titles, both with
 * room for `limit`, and their count. Returns 0, -ENOMEM or ERR_DB. */
static int song_rows(DbConn *conn, Arena *arena, const LibraryScope *scope, const SongFilter *f,
                     const char *const *after, int64_t skip, int limit, const char **ids,
                     const char **sorts, size_t *ret_count)
{
    const char *head = song_ids_head(f); /* "SELECT <id> FROM ..." */
    const char *t = f->genre_id ? "g" : "s";
    if (sorts && !(head = arena_printf(arena, "SELECT %s.sort_title, %s", t, head + 7)))
        return -ENOMEM;
    const char *keyset = !after        ? ""
                         : f->genre_id ? " AND (g.sort_title, g.song_id) > (?, ?)"
                                       : " AND (s.sort_title, s.id) > (?, ?)";
    const char *tail =
        arena_printf(arena, "%s%s LIMIT ? OFFSET ?", keyset,
                     f->genre_id ? SONG_GENRE_ORDER : " ORDER BY s.sort_title, s.id");
    if (!tail || !(tail = song_filter_where(arena, f, tail)))
        return -ENOMEM;
    DbStmt *st;
    int idx = 1;
    int r = song_prepare_in(conn, arena, scope, head, song_ids_scope(f), tail, &st, &idx);
    if (r < 0)
        return r;
    size_t n = 0;
    if ((r = song_filter_bind(st, f, &idx)) < 0 ||
        (after && ((r = db_bind_text(st, idx++, after[0])) < 0 ||
                   (r = db_bind_text(st, idx++, after[1])) < 0)) ||
        (r = db_bind_int64(st, idx++, limit)) < 0 || (r = db_bind_int64(st, idx, skip)) < 0)
        goto out_finalize;
    int id_col = sorts ? 1 : 0;
    while (n < (size_t)limit && (r = db_step(st)) == DB_ROW) {
        const char *id = db_column_text(st, id_col);
        const char *sort = sorts ? db_column_text(st, 0) : NULL;
        if (!(ids[n] = arena_strdup(arena, id ? id : "")) ||
            (sorts && !(sorts[n] = arena_strdup(arena, sort ? sort : "")))) {
            r = -ENOMEM;
            goto out_finalize;
        }
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

/* Reads the ids of up to `limit` songs from position `offset` of the list by (sort_title,
 * id) of the songs passing `f` (song_rows()). On a server that keeps offset marks
 * (library_marks.h), it skips from the last mark before the offset, learning the
 * marks it lacks on the way; otherwise from the start of the index. The songs themselves are
 * then read by id. Writes an Arena-owned array (room for `limit`) and its length. Returns
 * 0, -ENOMEM or ERR_DB. */
static int song_seek_ids(DbConn *conn, Arena *arena, const LibraryScope *scope, const SongFilter *f,
                         int64_t offset, int limit, const char ***ret_ids, size_t *ret_count)
{
    const char **ids = arena_calloc(arena, (size_t)limit, sizeof(*ids));
    if (!ids)
        return -ENOMEM;
    int64_t stamp = 0;
    LibraryMarks *marks = library_marks_for(conn, offset, &stamp);
    const char *at[2] = {NULL, NULL}; /* the last mark: sort title, id */
    int64_t have = 0, step = marks ? library_marks_step(marks) : 1;
    int r;
    if (marks) {
        /* mark want - 1 is row want * step - 1 < offset; past the marks a list keeps, walk */
        int64_t want = offset / step < LIMIT_OFFSET_MARKS_PER_LIST ? offset / step
                                                                   : LIMIT_OFFSET_MARKS_PER_LIST;
        const char *list = library_marks_list(
            arena, scope,
            arena_printf(arena, "songs\x1f%s\x1f%lld\x1f%lld", f->genre_id ? f->genre_id : "",
                         (long long)f->from_year, (long long)f->to_year));
        const char *cursor = NULL;
        have = list ? library_marks_get(marks, arena, stamp, list, want, &cursor) : -ENOMEM;
        if (have < 0)
            return (int)have;
        if (have > 0 && (r = library_cursor_unpack(arena, cursor, 2, at)) < 0)
            return r;
        for (; have < want; have++) {
            const char *id, *sort;
            size_t n;
            if ((r = song_rows(conn, arena, scope, f, have ? at : NULL, step - 1, 1, &id, &sort,
                               &n)) < 0)
                return r;
            if (n == 0) { /* the list ends before the offset */
                *ret_ids = ids;
                *ret_count = 0;
                return 0;
            }
            at[0] = sort;
            at[1] = id;
            if (!(cursor = library_cursor_pack(arena, at, 2)))
                return -ENOMEM;
            library_marks_put(marks, stamp, list, have, cursor);
        }
    }
    size_t n;
    if ((r = song_rows(conn, arena, scope, f, have ? at : NULL, offset - have * step, limit, ids,
                       NULL, &n)) < 0)
        return r;
    *ret_ids = ids;
    *ret_count = n;
    return 0;
}

/* The scope and the filter of song_random()'s probes. */
typedef struct SongRandomCtx {
    const LibraryScope *scope;
    const SongFilter *f;
} SongRandomCtx;

static int song_random_bind(DbStmt *st, int *idx, const void *ctx)
{
    const SongRandomCtx *c = ctx;
    int r = library_scope_bind(st, c->scope, song_ids_scope(c->f), idx);
    return r < 0 ? r : song_filter_bind(st, c->f, idx);
}

/* Up to `limit` distinct ids of random songs passing `f` (library_random.h), through the
 * genre's rows of song_genres with a genre. Writes Arena-owned ids to `ids` (room for
 * `limit`). */
static int song_random(DbConn *conn, Arena *arena, const LibraryScope *scope, const SongFilter *f,
                       int limit, const char **ids, size_t *ret_count)
{
    const char *tail = song_filter_where(
        arena, f,
        f->genre_id ? " AND g.song_id >= " LIBRARY_RANDOM_POINT " ORDER BY g.song_id LIMIT 1"
                    : " AND s.id >= " LIBRARY_RANDOM_POINT " ORDER BY s.id LIMIT 1");
    const char *probe =
        tail ? library_scope_sql(arena, scope, song_ids_head(f), song_ids_scope(f), tail) : NULL;
    if (!probe)
        return -ENOMEM;
    SongRandomCtx ctx = {scope, f};
    LibraryRandom q = {"SELECT (SELECT MIN(id) FROM songs), (SELECT MAX(id) FROM songs)", probe,
                       song_random_bind, &ctx};
    return library_random_ids(conn, arena, &q, limit, ids, ret_count);
}

/* The first `limit` songs passing `f` by (sort_title, id), or, for a random filter, the
 * passing songs shuffled by the database. With a genre, read from its rows of song_genres
 * in the order of song_genres_sort, one song looked up per row kept. */
static int song_filter_page(DbConn *conn, Arena *arena, const LibraryScope *scope,
                            const SongFilter *f, int limit, Song **ret_songs, size_t *ret_count)
{
    const char *order = f->random     ? " ORDER BY random() LIMIT ?"
                        : f->genre_id ? SONG_GENRE_ORDER " LIMIT ?"
                                      : " ORDER BY s.sort_title, s.id LIMIT ?";
    const char *tail = song_filter_where(arena, f, order);
    /* An ordered page writes its size into the SQL (library_keyset_limit_sql()): with a
     * bound LIMIT, PostgreSQL's generic plan of a genre's page was a parallel join (49 ms
     * at 1M songs instead of 0.8 ms). */
    if (tail && !f->random)
        tail = library_keyset_limit_sql(arena, tail, limit);
    if (!tail)
        return -ENOMEM;
    DbStmt *st;
    int idx = 1;
    int r = song_prepare_in(conn, arena, scope,
                            f->genre_id ? "SELECT " SONG_COLUMNS SONG_GENRE_FROM
                                          " JOIN libraries l ON l.id = s.library_id"
                                          " WHERE g.missing = 0 AND s.id = g.song_id"
                                        : "SELECT " SONG_COLUMNS SONG_FROM,
                            f->genre_id ? SONG_GENRE_SCOPE : SONG_SCOPE, tail, &st, &idx);
    if (r < 0)
        return r;
    if ((r = song_filter_bind(st, f, &idx)) < 0 ||
        (f->random && (r = db_bind_int64(st, idx, limit)) < 0)) {
        db_finalize(st);
        return r;
    }
    return song_collect_attached(conn, arena, st, (size_t)limit, ret_songs, ret_count);
}

int library_song_filter(DbConn *conn, Arena *arena, const LibraryScope *scope, const SongFilter *f,
                        int64_t offset, int limit, Song **ret_songs, size_t *ret_count)
{
    if (limit < 1 || limit > LIMIT_PAGE_MAX || offset < 0)
        return -EINVAL;
    int r;
    if (f->random) {
        const char **ids = arena_calloc(arena, (size_t)limit, sizeof(*ids));
        size_t n;
        if (!ids)
            return -ENOMEM;
        if ((r = song_random(conn, arena, scope, f, limit, ids, &n)) < 0)
            return r;
        /* enough found: those songs; else the passing songs are few, shuffled below */
        if (n == (size_t)limit)
            return library_song_by_ids_scoped(conn, arena, scope, ids, n, ret_songs, ret_count);
    } else if (offset > 0) { /* the page's ids from the keys, then its songs */
        const char **ids;
        size_t n;
        if ((r = song_seek_ids(conn, arena, scope, f, offset, limit, &ids, &n)) < 0)
            return r;
        return library_song_by_ids_scoped(conn, arena, scope, ids, n, ret_songs, ret_count);
    }
    return song_filter_page(conn, arena, scope, f, limit, ret_songs, ret_count);
}
