/*
 * library_browse.c - artist, album, genre, year and folder queries. Each list is a keyset
 * range scan on the index named in library_browse.h; one row reader per object kind.
 */
#include "library/library_browse.h"

#include "core/err.h"
#include "core/limits.h"
#include "library/library_annotate.h"
#include "library/library_keyset.h"
#include "library/library_marks.h"
#include "library/library_random.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define ARTIST_COLUMNS "r.id, r.name, r.image_id, r.album_count, r.song_count, r.sort_name, r.mbid"

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

/* Scope clauses (library_scope.h): an object is visible when one of its songs is. */
#define BROWSE_ARTIST_SCOPE LIBRARY_SCOPE_ARTIST("r.id")
#define BROWSE_ALBUM_SCOPE  LIBRARY_SCOPE_ALBUM("a.id")
#define BROWSE_GENRE_SCOPE  LIBRARY_SCOPE_GENRE("g.id")
#define BROWSE_FOLDER_SCOPE "f.library_id IN (@)"

/* Prepares `sql` with the scope `clause` added to its WHERE (before GROUP BY / ORDER BY, or at
 * the end); an unrestricted scope prepares `sql` as is. The caller binds the scope's ids
 * (library_scope_bind) after the WHERE parameters and before the LIMIT. */
static int browse_prepare(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *sql,
                          const char *clause, DbStmt **ret_st)
{
    if (library_scope_all(scope))
        return db_prepare(conn, sql, ret_st);
    const char *cut = strstr(sql, " GROUP BY ");
    if (!cut) {
        for (const char *p = strstr(sql, " ORDER BY "); p; p = strstr(p + 1, " ORDER BY "))
            cut = p;
    }
    size_t at = cut ? (size_t)(cut - sql) : strlen(sql);
    char *head = arena_alloc(arena, at + 1);
    if (!head)
        return -ENOMEM;
    memcpy(head, sql, at);
    head[at] = '\0';
    const char *conj =
        arena_printf(arena, "%s%s", strstr(head, " WHERE ") ? " AND " : " WHERE ", clause);
    const char *full = conj ? library_scope_sql(arena, scope, head, conj, sql + at) : NULL;
    if (!full)
        return -ENOMEM;
    return db_prepare(conn, full, ret_st);
}

/* A parameter of a list's own WHERE: text, or num when text is NULL. */
typedef struct BrowseArg {
    const char *text;
    int64_t num;
} BrowseArg;

/* One scoped keyset list: its orders' SQL, its scope clause, the parameters its WHERE binds
 * before the cursor's, and the reader of one item. */
typedef struct BrowsePage {
    const LibraryKeyset *ks;
    const char *clause;
    BrowseArg args[2];
    size_t n_args;
    LibraryKeysetRead read;
    const void *ctx;
    size_t item_size;
    const char *keys; /* the SQL of the cursor's parts, for browse_seek(); NULL: none */
} BrowsePage;

/* Prepares `sql`, one of the SQL texts of `page`, with the scope clause (browse_prepare())
 * and binds the list's own parameters from *idx on, advancing *idx. Returns 0 or a negative
 * errno; on success the caller finalizes *ret_st. */
static int browse_prepare_args(DbConn *conn, Arena *arena, const LibraryScope *scope,
                               const BrowsePage *page, const char *sql, const char *clause,
                               DbStmt **ret_st, int *idx)
{
    DbStmt *st;
    int r = browse_prepare(conn, arena, scope, sql, clause, &st);
    if (r < 0)
        return r;
    for (size_t i = 0; i < page->n_args; i++) {
        const BrowseArg *a = &page->args[i];
        r = a->text ? db_bind_text(st, (*idx)++, a->text) : db_bind_int64(st, (*idx)++, a->num);
        if (r < 0) {
            db_finalize(st);
            return r;
        }
    }
    *ret_st = st;
    return 0;
}

/* Reads the page after `after` (NULL: the first page) of `page` in `scope` into `items`:
 * prepares the list's SQL with limit + 1 written in (library_keyset_limit_sql()), binds its
 * parameters, the cursor and the scope, and reads the rows (library_keyset_read()). Returns 0 or a
 * negative errno. */
static int browse_page(DbConn *conn, Arena *arena, const LibraryScope *scope,
                       const BrowsePage *page, const LibraryKeysetKey *after, int limit,
                       void *items, size_t *ret_count, const char **ret_next,
                       LibraryKeysetKey *ret_last)
{
    const char *sql =
        library_keyset_limit_sql(arena, after ? page->ks->after : page->ks->first, limit + 1);
    if (!sql)
        return -ENOMEM;
    DbStmt *st;
    int idx = 1;
    int r = browse_prepare_args(conn, arena, scope, page, sql, page->clause, &st, &idx);
    if (r < 0)
        return r;
    if ((after && (r = library_keyset_bind(st, page->ks, after, &idx)) < 0) ||
        (r = library_scope_bind(st, scope, page->clause, &idx)) < 0)
        goto out_finalize;
    r = library_keyset_read(st, arena, page->ks, limit, items, page->item_size, page->read,
                            page->ctx, ret_count, ret_next, ret_last);
out_finalize:
    db_finalize(st);
    return r;
}

/* Reads into *ret_key the sort key of the row `skip` rows after `after` (NULL: the first
 * row) of `page` in `scope`: the list's SQL (ks->after with a cursor, else ks->first)
 * selecting only page->keys (an untagged cursor's parts, the id last), LIMIT 1 OFFSET skip,
 * so the index of the order alone is read. Strings Arena-owned. Returns 0, -ENOENT (no such
 * row), -ENOMEM or ERR_DB. */
static int browse_key_at(DbConn *conn, Arena *arena, const LibraryScope *scope,
                         const BrowsePage *page, const LibraryKeysetKey *after, int64_t skip,
                         LibraryKeysetKey *ret_key)
{
    const LibraryKeyset *ks = page->ks;
    const char *from = strstr(after ? ks->after : ks->first, " FROM ");
    if (!from || !page->keys || ks->tag)
        return -EINVAL;
    const char *sql = arena_printf(arena, "SELECT %s%s OFFSET ?", page->keys, from);
    if (!sql)
        return -ENOMEM;
    DbStmt *st;
    int idx = 1;
    int r = browse_prepare_args(conn, arena, scope, page, sql, page->clause, &st, &idx);
    if (r < 0)
        return r;
    if ((after && (r = library_keyset_bind(st, ks, after, &idx)) < 0) ||
        (r = library_scope_bind(st, scope, page->clause, &idx)) < 0 ||
        (r = db_bind_int64(st, idx++, 1)) < 0 || (r = db_bind_int64(st, idx, skip)) < 0 ||
        (r = db_step(st)) < 0)
        goto out_finalize;
    if (r == DB_DONE) {
        r = -ENOENT;
        goto out_finalize;
    }
    int oom = 0;
    LibraryKeysetKey key = {0};
    for (size_t i = 0; i < ks->parts; i++) {
        if (ks->numeric & (1u << i))
            key.num[i] = db_column_int64(st, (int)i);
        else
            key.text[i] = browse_text(st, arena, (int)i, "", &oom);
    }
    r = oom ? -ENOMEM : 0;
    if (r == 0)
        *ret_key = key;
out_finalize:
    db_finalize(st);
    return r;
}

/* The name of the list of `page` in the table of offset marks: its SQL and parameters. */
static const char *browse_marks_key(Arena *arena, const BrowsePage *page)
{
    const char *key = arena_printf(arena, "%s\x1f%s", page->ks->first, page->keys);
    for (size_t i = 0; key && i < page->n_args; i++) {
        const BrowseArg *a = &page->args[i];
        key = a->text ? arena_printf(arena, "%s\x1f%s", key, a->text)
                      : arena_printf(arena, "%s\x1f%lld", key, (long long)a->num);
    }
    return key;
}

/* Finds the sort key after which the page at `offset` (> 0) of `page` in `scope` starts (the
 * key of row offset - 1, browse_key_at()). On a server that keeps offset marks
 * (library_marks.h), it walks from the last mark before the offset, learning the
 * marks it lacks on the way, one statement of `step` rows each; otherwise it walks the index
 * from its start. Writes the key (strings Arena-owned). Returns 0, -ENOENT (the list is not
 * longer than `offset`), -ENOMEM or ERR_DB. */
static int browse_seek(DbConn *conn, Arena *arena, const LibraryScope *scope,
                       const BrowsePage *page, int64_t offset, LibraryKeysetKey *ret_after)
{
    int64_t stamp = 0;
    LibraryMarks *marks = library_marks_for(conn, offset, &stamp);
    if (!marks)
        return browse_key_at(conn, arena, scope, page, NULL, offset - 1, ret_after);
    const LibraryKeyset *ks = page->ks;
    int64_t step = library_marks_step(marks);
    /* mark want - 1 is row want * step - 1 <= offset - 1; past the marks a list keeps, walk */
    int64_t want =
        offset / step < LIMIT_OFFSET_MARKS_PER_LIST ? offset / step : LIMIT_OFFSET_MARKS_PER_LIST;
    const char *list = library_marks_list(arena, scope, browse_marks_key(arena, page));
    const char *cursor = NULL;
    int64_t have = list ? library_marks_get(marks, arena, stamp, list, want, &cursor) : -ENOMEM;
    if (have < 0)
        return (int)have;
    LibraryKeysetKey at = {0};
    int r;
    if (have > 0 && (r = library_keyset_unpack(arena, ks, cursor, &at)) < 0)
        return r;
    for (; have < want; have++) {
        LibraryKeysetKey next;
        if ((r = browse_key_at(conn, arena, scope, page, have ? &at : NULL, step - 1, &next)) < 0 ||
            (r = library_keyset_encode(arena, ks, &next, &cursor)) < 0)
            return r;
        library_marks_put(marks, stamp, list, have, cursor);
        at = next;
    }
    int64_t skip = offset - 1 - (have * step - 1) - 1; /* rows between the mark and offset - 1 */
    if (skip < 0) {
        *ret_after = at;
        return 0;
    }
    return browse_key_at(conn, arena, scope, page, &at, skip, ret_after);
}

/* A whole list call without parameters of its own: decodes `cursor` or, without one, seeks
 * to `offset`, allocates `limit` items and reads the page. Writes the Arena-owned items, their
 * count and the next cursor. */
static int browse_list(DbConn *conn, Arena *arena, const LibraryScope *scope,
                       const BrowsePage *page, const char *cursor, int64_t offset, int limit,
                       void **ret_items, size_t *ret_count, const char **ret_next)
{
    if (!browse_limit_ok(limit) || offset < 0)
        return -EINVAL;
    LibraryKeysetKey after = {0};
    int r = 0;
    if (cursor && (r = library_keyset_unpack(arena, page->ks, cursor, &after)) < 0)
        return r;
    void *items = arena_calloc(arena, (size_t)limit, page->item_size);
    if (!items)
        return -ENOMEM;
    size_t n = 0;
    const char *next = NULL;
    bool seek = !cursor && offset > 0;
    if (seek && (r = browse_seek(conn, arena, scope, page, offset, &after)) < 0 && r != -ENOENT)
        return r;
    if ((!seek || r == 0) &&
        (r = browse_page(conn, arena, scope, page, cursor || seek ? &after : NULL, limit, items, &n,
                         &next, NULL)) < 0)
        return r;
    *ret_items = items;
    *ret_count = n;
    *ret_next = next;
    return 0;
}

/* Reads the current row of `st` into `item`. Returns 0 or -ENOMEM. */
typedef int (*BrowseRead)(DbStmt *st, Arena *arena, void *item);

_Static_assert(offsetof(Artist, id) == 0, "browse_by_id reads an artist's id first");
_Static_assert(offsetof(Album, id) == 0, "browse_by_id reads an album's id first");
_Static_assert(offsetof(Genre, id) == 0, "browse_counts reads a genre's id first");

/* An item's id and where it was read, for putting rows back in the caller's order. */
typedef struct BrowseFound {
    const char *id;
    size_t at;
} BrowseFound;

static int browse_found_cmp(const void *a, const void *b)
{
    return strcmp(((const BrowseFound *)a)->id, ((const BrowseFound *)b)->id);
}

/* Writes "?, ?, ...)" with n marks to `out` (room for 3 * n + 2 bytes). */
static void browse_marks(char *out, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(out + len, i ? ", ?" : "?", i ? 3 : 1);
        len += i ? 3 : 1;
    }
    memcpy(out + len, ")", 2);
}

/* Looks up the well-formed ids of ids[0..n) with one statement, `head` followed by one
 * placeholder per id and ")" (parameters: the ids, then the scope's of `clause`), and reads
 * the visible rows into `items` (room for n items of item_size bytes, each starting with its
 * `const char *id`) in the order of `ids`, repeats included. Writes their count. Returns 0
 * or a negative errno. One round trip instead of one per id. */
static int browse_by_id(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *head,
                        const char *clause, const char *const *ids, size_t n, void *items,
                        size_t item_size, BrowseRead read, size_t *ret_count)
{
    size_t valid = 0;
    for (size_t i = 0; i < n; i++)
        valid += library_cursor_id_valid(ids[i]);
    if (valid == 0) {
        *ret_count = 0;
        return 0;
    }
    char *marks = arena_alloc(arena, 3 * valid + 2);
    char *rows = arena_calloc(arena, valid, item_size);
    BrowseFound *found = arena_calloc(arena, valid, sizeof(*found));
    if (!marks || !rows || !found)
        return -ENOMEM;
    browse_marks(marks, valid);
    const char *sql = arena_printf(arena, "%s%s", head, marks);
    if (!sql)
        return -ENOMEM;
    DbStmt *st = NULL;
    int r = browse_prepare(conn, arena, scope, sql, clause, &st);
    if (r < 0)
        return r;
    int idx = 1;
    for (size_t i = 0; i < n; i++) {
        if (library_cursor_id_valid(ids[i]) && (r = db_bind_text(st, idx++, ids[i])) < 0)
            goto out_finalize;
    }
    if ((r = library_scope_bind(st, scope, clause, &idx)) < 0)
        goto out_finalize;
    size_t k = 0;
    while (k < valid && (r = db_step(st)) == DB_ROW) {
        void *item = rows + k * item_size;
        if ((r = read(st, arena, item)) < 0)
            goto out_finalize;
        found[k].id = *(const char *const *)item;
        found[k].at = k;
        k++;
    }
    if (r < 0)
        goto out_finalize;
    qsort(found, k, sizeof(*found), browse_found_cmp);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!library_cursor_id_valid(ids[i]))
            continue;
        BrowseFound key = {.id = ids[i]};
        const BrowseFound *hit = bsearch(&key, found, k, sizeof(*found), browse_found_cmp);
        if (hit)
            memcpy((char *)items + count++ * item_size, rows + hit->at * item_size, item_size);
    }
    *ret_count = count;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* The per-library counts of one kind (migration 0019): the SQL summing the rows of a list of
 * ids (`head` is followed by their marks, then " AND " `clause` `tail`), and where the two
 * counts go in an item, which starts with its `const char *id`. */
typedef struct BrowseCounts {
    const char *head;
    const char *tail;
    size_t first, second;
} BrowseCounts;

#define BROWSE_COUNTS_SCOPE " AND c.library_id IN (@)"

static const BrowseCounts browse_artist_counts = {
    "SELECT c.artist_id, SUM(c.album_count), SUM(c.song_count) FROM artist_library_counts c"
    " WHERE c.artist_id IN (",
    " GROUP BY c.artist_id", offsetof(Artist, album_count), offsetof(Artist, song_count)};

static const BrowseCounts browse_genre_counts = {
    "SELECT c.genre_id, SUM(c.song_count), SUM(c.album_count) FROM genre_library_counts c"
    " WHERE c.genre_id IN (",
    " GROUP BY c.genre_id", offsetof(Genre, song_count), offsetof(Genre, album_count)};

/* Replaces the library-wide counts of items[0..n) (item_size bytes each) by the sums of their
 * rows in the libraries of a restricted `scope` (0 without one); nothing for an unrestricted
 * scope, whose counts are the stored ones. One statement per page. Returns 0 or a negative
 * errno. */
static int browse_counts(DbConn *conn, Arena *arena, const LibraryScope *scope,
                         const BrowseCounts *kind, void *items, size_t n, size_t item_size)
{
    if (library_scope_all(scope) || n == 0)
        return 0;
    char *marks = arena_alloc(arena, 3 * n + 2);
    BrowseFound *found = arena_calloc(arena, n, sizeof(*found));
    int64_t(*sums)[2] = arena_calloc(arena, n, sizeof(*sums));
    if (!marks || !found || !sums)
        return -ENOMEM;
    browse_marks(marks, n);
    const char *head = arena_printf(arena, "%s%s", kind->head, marks);
    const char *sql =
        head ? library_scope_sql(arena, scope, head, BROWSE_COUNTS_SCOPE, kind->tail) : NULL;
    if (!sql)
        return -ENOMEM;
    DbStmt *st;
    int r = db_prepare(conn, sql, &st);
    if (r < 0)
        return r;
    int idx = 1;
    for (size_t i = 0; i < n; i++) {
        if ((r = db_bind_text(st, idx++, *(const char *const *)((char *)items + i * item_size))) <
            0)
            goto out_finalize;
    }
    if ((r = library_scope_bind(st, scope, BROWSE_COUNTS_SCOPE, &idx)) < 0)
        goto out_finalize;
    size_t k = 0;
    while (k < n && (r = db_step(st)) == DB_ROW) {
        const char *id = db_column_text(st, 0);
        if (!(found[k].id = arena_strdup(arena, id ? id : ""))) {
            r = -ENOMEM;
            goto out_finalize;
        }
        found[k].at = k;
        sums[k][0] = db_column_int64(st, 1);
        sums[k][1] = db_column_int64(st, 2);
        k++;
    }
    if (r < 0)
        goto out_finalize;
    qsort(found, k, sizeof(*found), browse_found_cmp);
    for (size_t i = 0; i < n; i++) {
        char *item = (char *)items + i * item_size;
        BrowseFound key = {.id = *(const char *const *)item};
        const BrowseFound *hit = bsearch(&key, found, k, sizeof(*found), browse_found_cmp);
        /* no row: the object left the scope's libraries since the list was read */
        int64_t first = hit ? sums[hit->at][0] : 0, second = hit ? sums[hit->at][1] : 0;
        memcpy(item + kind->first, &first, sizeof(first));
        memcpy(item + kind->second, &second, sizeof(second));
    }
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
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
    a->sort_name = sort;
    a->mbid = browse_text(st, arena, 6, NULL, &oom);
    if (oom)
        return -ENOMEM;
    if (ret_sort)
        *ret_sort = sort;
    return 0;
}

static int browse_artist_key(DbStmt *st, Arena *arena, void *item, const void *ctx,
                             LibraryKeysetKey *ret_key)
{
    (void)ctx;
    Artist *a = item;
    int r = browse_artist_read(st, arena, a, &ret_key->text[0]);
    ret_key->text[1] = a->id;
    return r;
}

static const LibraryKeyset artist_keyset = {
    "SELECT " ARTIST_COLUMNS " FROM artists r ORDER BY r.sort_name, r.id LIMIT ?",
    "SELECT " ARTIST_COLUMNS " FROM artists r"
    " WHERE (r.sort_name, r.id) > (?, ?) ORDER BY r.sort_name, r.id LIMIT ?",
    2, 0, NULL};

/* The artists of `scope` after `cursor`, or from position `offset` without one. */
static int browse_artists(DbConn *conn, Arena *arena, const LibraryScope *scope, const char *cursor,
                          int64_t offset, int limit, Artist **ret_items, size_t *ret_count,
                          const char **ret_next)
{
    const BrowsePage page = {.ks = &artist_keyset,
                             .clause = BROWSE_ARTIST_SCOPE,
                             .read = browse_artist_key,
                             .item_size = sizeof(Artist),
                             .keys = "r.sort_name, r.id"};
    void *items;
    int r =
        browse_list(conn, arena, scope, &page, cursor, offset, limit, &items, ret_count, ret_next);
    if (r == 0 && (r = browse_counts(conn, arena, scope, &browse_artist_counts, items, *ret_count,
                                     sizeof(Artist))) == 0)
        *ret_items = items;
    return r;
}

int library_browse_artists_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                  const char *cursor, int limit, Artist **ret_items,
                                  size_t *ret_count, const char **ret_next)
{
    return browse_artists(conn, arena, scope, cursor, 0, limit, ret_items, ret_count, ret_next);
}

int library_browse_artists_at(DbConn *conn, Arena *arena, const LibraryScope *scope, int64_t offset,
                              int limit, Artist **ret_items, size_t *ret_count,
                              const char **ret_next)
{
    return browse_artists(conn, arena, scope, NULL, offset, limit, ret_items, ret_count, ret_next);
}

static int browse_artist_row(DbStmt *st, Arena *arena, void *item)
{
    return browse_artist_read(st, arena, item, NULL);
}

int library_browse_artists_by_id_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                        const char *const *ids, size_t n, Artist **ret_items,
                                        size_t *ret_count)
{
    if (n > LIMIT_PAGE_MAX)
        return -EINVAL;
    Artist *items = arena_calloc(arena, n + 1, sizeof(*items));
    if (!items)
        return -ENOMEM;
    size_t count;
    int r =
        browse_by_id(conn, arena, scope, "SELECT " ARTIST_COLUMNS " FROM artists r WHERE r.id IN (",
                     BROWSE_ARTIST_SCOPE, ids, n, items, sizeof(*items), browse_artist_row, &count);
    if (r < 0 || (r = browse_counts(conn, arena, scope, &browse_artist_counts, items, count,
                                    sizeof(*items))) < 0)
        return r;
    *ret_items = items;
    *ret_count = count;
    return 0;
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
    a->sort_name = browse_text(st, arena, 14, "", &oom);
    if (ret_key) {
        ret_key->sort_name = a->sort_name;
        ret_key->artist_sort = browse_text(st, arena, 15, "", &oom);
    }
    return oom ? -ENOMEM : 0;
}

/* Loads the album artists and genres of a page of albums (library_song_refs()). */
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
    const LibraryRefPart parts[] = {
        {"aa.album_id, aa.artist_id, aa.position FROM album_artists aa WHERE aa.album_id IN (",
         LIBRARY_REF_ARTIST, ids, n, artists, NULL},
        {"ag.album_id, ag.genre_id, 0 FROM album_genres ag WHERE ag.album_id IN (",
         LIBRARY_REF_GENRE, ids, n, genres, NULL},
    };
    int r = library_song_refs(conn, arena, parts, sizeof(parts) / sizeof(parts[0]));
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        albums[i].artists = artists[i];
        albums[i].genres = genres[i];
    }
    return 0;
}

/* The list orders: SQL for the first page and for the pages after a cursor, and the cursor
 * parts (the last is the id; LIBRARY_ALBUMS_YEAR/NEWEST lead with an integer). */

#define ALBUM_SELECT "SELECT " ALBUM_COLUMNS " FROM albums a"

static const LibraryKeyset album_orders[] = {
    [LIBRARY_ALBUMS_ALPHA_NAME] = {ALBUM_SELECT " ORDER BY a.sort_name, a.id LIMIT ?",
                                   ALBUM_SELECT " WHERE (a.sort_name, a.id) > (?, ?)"
                                                " ORDER BY a.sort_name, a.id LIMIT ?",
                                   2, 0, NULL},
    [LIBRARY_ALBUMS_ALPHA_ARTIST] = {ALBUM_SELECT
                                     " ORDER BY a.artist_sort, a.sort_name, a.id LIMIT ?",
                                     ALBUM_SELECT
                                     " WHERE (a.artist_sort, a.sort_name, a.id) > (?, ?, ?)"
                                     " ORDER BY a.artist_sort, a.sort_name, a.id LIMIT ?",
                                     3, 0, NULL},
    [LIBRARY_ALBUMS_NEWEST] = {ALBUM_SELECT " ORDER BY a.created_at DESC, a.id DESC LIMIT ?",
                               ALBUM_SELECT " WHERE (a.created_at, a.id) < (?, ?)"
                                            " ORDER BY a.created_at DESC, a.id DESC LIMIT ?",
                               2, 1, NULL},
    [LIBRARY_ALBUMS_YEAR] = {ALBUM_SELECT " WHERE a.year BETWEEN ? AND ?"
                                          " ORDER BY a.year, a.sort_name, a.id LIMIT ?",
                             ALBUM_SELECT " WHERE a.year BETWEEN ? AND ?"
                                          " AND (a.year, a.sort_name, a.id) > (?, ?, ?)"
                                          " ORDER BY a.year, a.sort_name, a.id LIMIT ?",
                             3, 1, NULL},
    /* the ids alone (browse_albums_genre()) */
    [LIBRARY_ALBUMS_GENRE] =
        {"SELECT ag.album_id FROM album_genres ag"
         " WHERE ag.genre_id = ? ORDER BY ag.album_id LIMIT ?",
         "SELECT ag.album_id FROM album_genres ag"
         " WHERE ag.genre_id = ? AND ag.album_id > ? ORDER BY ag.album_id LIMIT ?",
         1, 0, NULL},
};

/* The cursor parts of each order as SQL, for browse_seek() (the descending years too). */
static const char *const album_keys[] = {
    [LIBRARY_ALBUMS_ALPHA_NAME] = "a.sort_name, a.id",
    [LIBRARY_ALBUMS_ALPHA_ARTIST] = "a.artist_sort, a.sort_name, a.id",
    [LIBRARY_ALBUMS_NEWEST] = "a.created_at, a.id",
    [LIBRARY_ALBUMS_YEAR] = "a.year, a.sort_name, a.id",
};

/* The descending year range (from > to): the same index read backwards. */
static const LibraryKeyset album_year_desc = {
    ALBUM_SELECT " WHERE a.year BETWEEN ? AND ?"
                 " ORDER BY a.year DESC, a.sort_name DESC, a.id DESC LIMIT ?",
    ALBUM_SELECT " WHERE a.year BETWEEN ? AND ? AND (a.year, a.sort_name, a.id) < (?, ?, ?)"
                 " ORDER BY a.year DESC, a.sort_name DESC, a.id DESC LIMIT ?",
    3, 1, NULL};

static int browse_album_random_bind(DbStmt *st, int *idx, const void *ctx)
{
    return library_scope_bind(st, ctx, BROWSE_ALBUM_SCOPE, idx);
}

static int browse_album_row(DbStmt *st, Arena *arena, void *item)
{
    return browse_album_read(st, arena, item, NULL);
}

/* Writes to `items` (room for `limit`) up to `limit` distinct random albums
 * (library_random.h), in the order drawn; when fewer pass than the probes can find, all of
 * them shuffled. */
static int browse_albums_random(DbConn *conn, Arena *arena, const LibraryScope *scope, int limit,
                                Album *items, size_t *ret_count)
{
    const char **ids = arena_calloc(arena, (size_t)limit, sizeof(*ids));
    const char *probe = library_scope_sql(arena, scope, "SELECT a.id FROM albums a WHERE ",
                                          BROWSE_ALBUM_SCOPE " AND ",
                                          "a.id >= " LIBRARY_RANDOM_POINT " ORDER BY a.id LIMIT 1");
    if (!ids || !probe)
        return -ENOMEM;
    LibraryRandom q = {"SELECT (SELECT MIN(id) FROM albums), (SELECT MAX(id) FROM albums)", probe,
                       browse_album_random_bind, scope};
    size_t n;
    int r = library_random_ids(conn, arena, &q, limit, ids, &n);
    if (r < 0)
        return r;
    if (n == (size_t)limit)
        return browse_by_id(conn, arena, scope, ALBUM_SELECT " WHERE a.id IN (", BROWSE_ALBUM_SCOPE,
                            ids, n, items, sizeof(*items), browse_album_row, ret_count);
    DbStmt *st;
    if ((r = browse_prepare(conn, arena, scope, ALBUM_SELECT " ORDER BY random() LIMIT ?",
                            BROWSE_ALBUM_SCOPE, &st)) < 0)
        return r;
    int idx = 1;
    if ((r = library_scope_bind(st, scope, BROWSE_ALBUM_SCOPE, &idx)) == 0)
        r = db_bind_int64(st, idx, limit);
    n = 0;
    while (r == 0 && n < (size_t)limit && (r = db_step(st)) == DB_ROW)
        r = browse_album_read(st, arena, &items[n++], NULL);
    db_finalize(st);
    if (r < 0)
        return r;
    *ret_count = n;
    return 0;
}

/* The per-user lists: the user's rows `m` of a table with the album id and the key, joined
 * to the albums; the scope condition, the cursor and the order are appended (see
 * browse_albums_personal()). Each is a range of one index on (user_id[, kind], key, id). */
#define ALBUM_PERSONAL(table, id, col, kind)                                                       \
    "SELECT " ALBUM_COLUMNS ", m." col " FROM " table " m JOIN albums a ON a.id = m." id           \
    " WHERE m.user_id = ?" kind " AND "
#define ALBUM_PLAYED(col)        ALBUM_PERSONAL("album_play_counts", "album_id", col, "")
#define ALBUM_MARKED(table, col) ALBUM_PERSONAL(table, "item_id", col, " AND m.kind = 'album'")

static const struct {
    const char *from;
    const char *key;
    const char *id;
} album_personal[] = {
    [LIBRARY_ALBUMS_RECENT - LIBRARY_ALBUMS_RECENT] = {ALBUM_PLAYED("last_played_at"),
                                                       "m.last_played_at", "m.album_id"},
    [LIBRARY_ALBUMS_FREQUENT -
        LIBRARY_ALBUMS_RECENT] = {ALBUM_PLAYED("count"), "m.count", "m.album_id"},
    [LIBRARY_ALBUMS_STARRED -
        LIBRARY_ALBUMS_RECENT] = {ALBUM_MARKED("stars", "starred_at"), "m.starred_at", "m.item_id"},
    [LIBRARY_ALBUMS_HIGHEST -
        LIBRARY_ALBUMS_RECENT] = {ALBUM_MARKED("ratings", "rating"), "m.rating", "m.item_id"},
};

static int browse_album_personal_key(DbStmt *st, Arena *arena, void *item, const void *ctx,
                                     LibraryKeysetKey *ret_key)
{
    (void)ctx;
    Album *a = item;
    int r = browse_album_read(st, arena, a, NULL);
    if (r < 0)
        return r;
    ret_key->num[0] = db_column_int64(st, 16);
    ret_key->text[1] = a->id;
    return 0;
}

static int browse_albums_personal(DbConn *conn, Arena *arena, const AlbumQuery *q,
                                  const char *cursor, int64_t offset, int limit, Album *items,
                                  size_t *ret_count, const char **ret_next)
{
    static const LibraryKeyset ks = {NULL, NULL, 2, 1, NULL};
    LibraryKeysetKey after;
    int r;
    if (cursor && (r = library_keyset_unpack(arena, &ks, cursor, &after)) < 0)
        return r;
    size_t which = (size_t)(q->list - LIBRARY_ALBUMS_RECENT);
    const char *key = album_personal[which].key;
    int binds = 0;
    const char *cond =
        library_scope_all(q->scope)
            ? "1 = 1"
            : library_annotate_visible_sql(arena, q->scope, ANNOTATE_ALBUM, "a.id", &binds);
    const char *id = album_personal[which].id;
    bool skip = !cursor && offset > 0; /* OFFSET: that many entries of the user's index range */
    const char *sql = cond ? arena_printf(arena, "%s%s%s%s%s%s%s ORDER BY %s DESC, %s DESC LIMIT ?",
                                          album_personal[which].from, cond, cursor ? " AND (" : "",
                                          cursor ? key : "", cursor ? ", " : "", cursor ? id : "",
                                          cursor ? ") < (?, ?)" : "", key, id)
                           : NULL;
    if (sql && (sql = library_keyset_limit_sql(arena, sql, limit + 1)) && skip)
        sql = arena_printf(arena, "%s OFFSET ?", sql);
    if (!sql)
        return -ENOMEM;
    DbStmt *st;
    if ((r = db_prepare(conn, sql, &st)) < 0)
        return r;
    int idx = 1;
    if ((r = db_bind_text(st, idx++, q->user_id)) < 0 ||
        (r = library_annotate_scope_bind(st, q->scope, binds, &idx)) < 0 ||
        (cursor && (r = library_keyset_bind(st, &ks, &after, &idx)) < 0) ||
        (skip && (r = db_bind_int64(st, idx, offset)) < 0))
        goto out_finalize;
    r = library_keyset_read(st, arena, &ks, limit, items, sizeof(*items), browse_album_personal_key,
                            NULL, ret_count, ret_next, NULL);
out_finalize:
    db_finalize(st);
    return r;
}

static int browse_album_id_key(DbStmt *st, Arena *arena, void *item, const void *ctx,
                               LibraryKeysetKey *ret_key)
{
    (void)ctx;
    int oom = 0;
    const char *id = browse_text(st, arena, 0, "", &oom);
    *(const char **)item = id;
    ret_key->text[0] = id;
    return oom ? -ENOMEM : 0;
}

/* The albums of genre q->genre_id after `cursor`, or from position `offset` without one:
 * the page's ids from album_genres_genre alone (every row has its album: foreign key), the
 * offset skipped inside that index and the scope checked on its ids, then the albums by id.
 * Joined to albums in one statement, PostgreSQL's generic plan merge-joined the page with
 * the albums' primary key read from its start (the bound on ag.album_id is not carried over
 * to a.id): 20 ms deep in a genre at 100,000 albums. Writes up to `limit` albums to `items`,
 * their count and the next cursor. Returns 0 or a negative errno. */
static int browse_albums_genre(DbConn *conn, Arena *arena, const AlbumQuery *q, const char *cursor,
                               int64_t offset, int limit, Album *items, size_t *ret_count,
                               const char **ret_next)
{
    static const char clause[] = LIBRARY_SCOPE_ALBUM("ag.album_id");
    const LibraryKeyset *ks = &album_orders[LIBRARY_ALBUMS_GENRE];
    LibraryKeysetKey after = {0};
    int r;
    if (cursor && (r = library_keyset_unpack(arena, ks, cursor, &after)) < 0)
        return r;
    const char *sql = library_keyset_limit_sql(arena, cursor ? ks->after : ks->first, limit + 1);
    if (sql && offset > 0)
        sql = arena_printf(arena, "%s OFFSET ?", sql);
    const char **ids = arena_calloc(arena, (size_t)limit, sizeof(*ids));
    if (!sql || !ids)
        return -ENOMEM;
    DbStmt *st;
    if ((r = browse_prepare(conn, arena, q->scope, sql, clause, &st)) < 0)
        return r;
    int idx = 1;
    size_t n = 0;
    const char *next = NULL;
    if ((r = db_bind_text(st, idx++, q->genre_id)) < 0 ||
        (cursor && (r = library_keyset_bind(st, ks, &after, &idx)) < 0) ||
        (r = library_scope_bind(st, q->scope, clause, &idx)) < 0 ||
        (offset > 0 && (r = db_bind_int64(st, idx, offset)) < 0) ||
        (r = library_keyset_read(st, arena, ks, limit, ids, sizeof(*ids), browse_album_id_key, NULL,
                                 &n, &next, NULL)) < 0)
        goto out_finalize;
    db_finalize(st);
    st = NULL;
    /* the ids passed the scope: read them without it */
    if ((r = browse_by_id(conn, arena, NULL, ALBUM_SELECT " WHERE a.id IN (", BROWSE_ALBUM_SCOPE,
                          ids, n, items, sizeof(*items), browse_album_row, ret_count)) < 0)
        return r;
    *ret_next = next;
    return 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* Reads an album row and its key in the order of the AlbumQuery `ctx`. */
static int browse_album_key(DbStmt *st, Arena *arena, void *item, const void *ctx,
                            LibraryKeysetKey *ret_key)
{
    const AlbumQuery *q = ctx;
    Album *a = item;
    AlbumKey key = {0};
    int r = browse_album_read(st, arena, a, &key);
    if (r < 0)
        return r;
    size_t k = 0;
    switch (q->list) {
    case LIBRARY_ALBUMS_ALPHA_ARTIST:
        ret_key->text[k++] = key.artist_sort;
        ret_key->text[k++] = key.sort_name;
        break;
    case LIBRARY_ALBUMS_NEWEST:
        ret_key->num[k++] = a->created_at;
        break;
    case LIBRARY_ALBUMS_YEAR:
        ret_key->num[k++] = a->year;
        ret_key->text[k++] = key.sort_name;
        break;
    default:
        ret_key->text[k++] = key.sort_name;
        break;
    }
    ret_key->text[k] = a->id;
    return 0;
}

/* The albums of `q` after `cursor`, or from position `offset` without one. */
static int browse_albums(DbConn *conn, Arena *arena, const AlbumQuery *q, const char *cursor,
                         int64_t offset, int limit, Album **ret_items, size_t *ret_count,
                         const char **ret_next)
{
    if (!browse_limit_ok(limit) || offset < 0 || (int)q->list < 0 ||
        q->list > LIBRARY_ALBUMS_HIGHEST || (q->list == LIBRARY_ALBUMS_GENRE && !q->genre_id) ||
        (q->list >= LIBRARY_ALBUMS_RECENT && !q->user_id))
        return -EINVAL;
    Album *items = arena_calloc(arena, (size_t)limit, sizeof(*items));
    if (!items)
        return -ENOMEM;
    int r;
    size_t n = 0;
    const char *next = NULL;
    if (q->list >= LIBRARY_ALBUMS_RECENT) {
        if ((r = browse_albums_personal(conn, arena, q, cursor, offset, limit, items, &n, &next)) <
            0)
            return r;
        goto out_attach;
    }
    if (q->list == LIBRARY_ALBUMS_RANDOM) {
        if ((r = browse_albums_random(conn, arena, q->scope, limit, items, &n)) < 0)
            return r;
        goto out_attach;
    }
    if (q->list == LIBRARY_ALBUMS_GENRE) {
        if ((r = browse_albums_genre(conn, arena, q, cursor, offset, limit, items, &n, &next)) < 0)
            return r;
        goto out_attach;
    }
    bool desc_years = q->list == LIBRARY_ALBUMS_YEAR && q->from > q->to;
    const LibraryKeyset *order = desc_years ? &album_year_desc : &album_orders[q->list];
    LibraryKeysetKey after = {0};
    if (cursor && (r = library_keyset_unpack(arena, order, cursor, &after)) < 0)
        return r;
    BrowsePage page = {.ks = order,
                       .clause = BROWSE_ALBUM_SCOPE,
                       .read = browse_album_key,
                       .ctx = q,
                       .item_size = sizeof(*items),
                       .keys = album_keys[q->list]};
    if (q->list == LIBRARY_ALBUMS_YEAR) {
        page.args[0].num = desc_years ? q->to : q->from;
        page.args[1].num = desc_years ? q->from : q->to;
        page.n_args = 2;
    }
    bool seek = !cursor && offset > 0;
    if (seek && (r = browse_seek(conn, arena, q->scope, &page, offset, &after)) == -ENOENT)
        goto out_attach; /* past the end */
    if ((seek && r < 0) ||
        (r = browse_page(conn, arena, q->scope, &page, cursor || seek ? &after : NULL, limit, items,
                         &n, &next, NULL)) < 0)
        return r;
out_attach:
    if ((r = browse_album_attach(conn, arena, items, n)) < 0)
        return r;
    *ret_items = items;
    *ret_count = n;
    *ret_next = next;
    return 0;
}

int library_browse_albums(DbConn *conn, Arena *arena, const AlbumQuery *q, const char *cursor,
                          int limit, Album **ret_items, size_t *ret_count, const char **ret_next)
{
    return browse_albums(conn, arena, q, cursor, 0, limit, ret_items, ret_count, ret_next);
}

int library_browse_albums_at(DbConn *conn, Arena *arena, const AlbumQuery *q, int64_t offset,
                             int limit, Album **ret_items, size_t *ret_count, const char **ret_next)
{
    return browse_albums(conn, arena, q, NULL, offset, limit, ret_items, ret_count, ret_next);
}

int library_browse_albums_by_id_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                       const char *const *ids, size_t n, Album **ret_items,
                                       size_t *ret_count)
{
    if (n > LIMIT_PAGE_MAX)
        return -EINVAL;
    Album *items = arena_calloc(arena, n + 1, sizeof(*items));
    if (!items)
        return -ENOMEM;
    size_t count;
    int r = browse_by_id(conn, arena, scope, ALBUM_SELECT " WHERE a.id IN (", BROWSE_ALBUM_SCOPE,
                         ids, n, items, sizeof(*items), browse_album_row, &count);
    if (r < 0 || (r = browse_album_attach(conn, arena, items, count)) < 0)
        return r;
    *ret_items = items;
    *ret_count = count;
    return 0;
}

int library_browse_album_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                const char *id, Album *ret_album, Song **ret_songs,
                                size_t *ret_count)
{
    Album *found;
    size_t n;
    int r = library_browse_albums_by_id_scoped(conn, arena, scope, &id, 1, &found, &n);
    if (r < 0)
        return r;
    if (n == 0)
        return -ENOENT;
    Song *songs;
    size_t n_songs;
    r = library_song_album_scoped(conn, arena, scope, id, LIBRARY_BROWSE_ALBUM_SONGS_MAX, &songs,
                                  &n_songs);
    if (r < 0)
        return r;
    *ret_album = found[0];
    *ret_songs = songs;
    *ret_count = n_songs;
    return 0;
}

int library_browse_artist_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                 const char *id, Artist *ret_artist, Album **ret_albums,
                                 size_t *ret_count)
{
    Artist *found;
    size_t n;
    int r = library_browse_artists_by_id_scoped(conn, arena, scope, &id, 1, &found, &n);
    if (r < 0)
        return r;
    if (n == 0)
        return -ENOENT;
    Album *albums = arena_calloc(arena, LIBRARY_BROWSE_ARTIST_ALBUMS_MAX, sizeof(*albums));
    if (!albums)
        return -ENOMEM;
    DbStmt *st;
    r = browse_prepare(conn, arena, scope,
                       ALBUM_SELECT " JOIN album_artists aa ON aa.album_id = a.id"
                                    " WHERE aa.artist_id = ?"
                                    " ORDER BY COALESCE(a.year, 0), a.sort_name, a.id LIMIT ?",
                       BROWSE_ALBUM_SCOPE, &st);
    if (r < 0)
        return r;
    size_t count = 0;
    int idx = 2;
    if ((r = db_bind_text(st, 1, id)) < 0 ||
        (r = library_scope_bind(st, scope, BROWSE_ALBUM_SCOPE, &idx)) < 0 ||
        (r = db_bind_int64(st, idx, LIBRARY_BROWSE_ARTIST_ALBUMS_MAX)) < 0)
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

static int browse_genre_key(DbStmt *st, Arena *arena, void *item, const void *ctx,
                            LibraryKeysetKey *ret_key)
{
    (void)ctx;
    Genre *g = item;
    int oom = 0;
    g->id = browse_text(st, arena, 0, "", &oom);
    g->name = browse_text(st, arena, 1, "", &oom);
    g->song_count = db_column_int64(st, 2);
    g->album_count = db_column_int64(st, 3);
    ret_key->text[0] = browse_text(st, arena, 4, "", &oom);
    ret_key->text[1] = g->id;
    return oom ? -ENOMEM : 0;
}

static const LibraryKeyset genre_keyset = {
    "SELECT " GENRE_COLUMNS " FROM genres g ORDER BY g.sort_name, g.id LIMIT ?",
    "SELECT " GENRE_COLUMNS " FROM genres g"
    " WHERE (g.sort_name, g.id) > (?, ?) ORDER BY g.sort_name, g.id LIMIT ?",
    2, 0, NULL};

int library_browse_genres_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                 const char *cursor, int limit, Genre **ret_items,
                                 size_t *ret_count, const char **ret_next)
{
    const BrowsePage page = {.ks = &genre_keyset,
                             .clause = BROWSE_GENRE_SCOPE,
                             .read = browse_genre_key,
                             .item_size = sizeof(Genre)};
    void *items;
    int r = browse_list(conn, arena, scope, &page, cursor, 0, limit, &items, ret_count, ret_next);
    if (r == 0 && (r = browse_counts(conn, arena, scope, &browse_genre_counts, items, *ret_count,
                                     sizeof(Genre))) == 0)
        *ret_items = items;
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

int library_browse_years_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                YearCount **ret_items, size_t *ret_count)
{
    DbStmt *st;
    int r = browse_prepare(conn, arena, scope,
                           "SELECT a.year, COUNT(*) FROM albums a WHERE a.year IS NOT NULL"
                           " AND a.year > 0 GROUP BY a.year ORDER BY a.year LIMIT ?",
                           BROWSE_ALBUM_SCOPE, &st);
    if (r < 0)
        return r;
    size_t cap = 64, n = 0;
    YearCount *items = arena_calloc(arena, cap, sizeof(*items));
    if (!items) {
        r = -ENOMEM;
        goto out_finalize;
    }
    int idx = 1;
    if ((r = library_scope_bind(st, scope, BROWSE_ALBUM_SCOPE, &idx)) < 0 ||
        (r = db_bind_int64(st, idx, BROWSE_YEARS_MAX)) < 0)
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

int library_browse_roots_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                Folder **ret_items, size_t *ret_count)
{
    Folder *items = arena_calloc(arena, LIMIT_MUSIC_DIRS, sizeof(*items));
    if (!items)
        return -ENOMEM;
    DbStmt *st;
    int r = browse_prepare(conn, arena, scope,
                           "SELECT " FOLDER_COLUMNS FOLDER_FROM " AND f.path = ''"
                           /* an empty library (the uploads folder before any upload) is not
                              a root worth browsing */
                           " AND EXISTS (SELECT 1 FROM songs s WHERE s.library_id = f.library_id"
                           " AND s.missing = 0)"
                           " ORDER BY l.name, f.id LIMIT ?",
                           BROWSE_FOLDER_SCOPE, &st);
    if (r < 0)
        return r;
    size_t n = 0;
    int idx = 1;
    if ((r = library_scope_bind(st, scope, BROWSE_FOLDER_SCOPE, &idx)) < 0 ||
        (r = db_bind_int64(st, idx, LIMIT_MUSIC_DIRS)) < 0)
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

static int browse_folder_key(DbStmt *st, Arena *arena, void *item, const void *ctx,
                             LibraryKeysetKey *ret_key)
{
    (void)ctx;
    Folder *f = item;
    int r = browse_folder_read(st, arena, f, &ret_key->text[1]);
    ret_key->text[2] = f->id;
    return r;
}

/* The subfolders of a folder; their cursors are tagged "f". */
static const LibraryKeyset folder_keyset = {
    "SELECT " FOLDER_COLUMNS FOLDER_FROM " AND f.parent_id = ? ORDER BY f.sort_name, f.id LIMIT ?",
    "SELECT " FOLDER_COLUMNS FOLDER_FROM " AND f.parent_id = ?"
    " AND (f.sort_name, f.id) > (?, ?) ORDER BY f.sort_name, f.id LIMIT ?",
    3, 0, "f"};

/* Folder cursors: ("f", sort_name, id) inside the subfolders, ("s", path, id) inside the
 * songs. */
int library_browse_folder_scoped(DbConn *conn, Arena *arena, const LibraryScope *scope,
                                 const char *id, const char *cursor, int limit, Folder *ret_folder,
                                 FolderEntry **ret_items, size_t *ret_count, const char **ret_next)
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
    if ((r = browse_prepare(conn, arena, scope,
                            "SELECT " FOLDER_COLUMNS FOLDER_FROM " AND f.id = ?",
                            BROWSE_FOLDER_SCOPE, &st)) < 0)
        return r;
    int sidx = 2;
    if ((r = db_bind_text(st, 1, id)) < 0 ||
        (r = library_scope_bind(st, scope, BROWSE_FOLDER_SCOPE, &sidx)) < 0 ||
        (r = db_step(st)) < 0)
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
    LibraryKeysetKey last = {0};
    bool in_songs = cursor && parts[0][0] == 's';
    if (!in_songs) {
        const BrowsePage page = {.ks = &folder_keyset,
                                 .clause = BROWSE_FOLDER_SCOPE,
                                 .args = {{.text = id}},
                                 .n_args = 1,
                                 .read = browse_folder_key,
                                 .item_size = sizeof(Folder)};
        const LibraryKeysetKey after = {{parts[0], parts[1], parts[2]}, {0}};
        if ((r = browse_page(conn, arena, scope, &page, cursor ? &after : NULL, limit, subs, &n,
                             &next, &last)) < 0)
            return r;
        for (size_t i = 0; i < n; i++)
            items[i].folder = &subs[i];
    }
    if (!next) {
        /* Songs follow the subfolders; when the page is full, look one song ahead. */
        int want = n < (size_t)limit ? limit - (int)n : 1;
        Song *songs;
        size_t n_songs;
        bool more;
        r = library_song_folder_scoped(conn, arena, scope, id, in_songs ? parts[1] : NULL,
                                       in_songs ? parts[2] : NULL, want, &songs, &n_songs, &more);
        if (r < 0)
            return r;
        if (n == (size_t)limit) {
            if (n_songs > 0 && (r = library_keyset_encode(arena, &folder_keyset, &last, &next)) < 0)
                return r;
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

/* ---- every library (public links, jobs) ---- */

int library_browse_artists(DbConn *conn, Arena *arena, const char *cursor, int limit,
                           Artist **ret_items, size_t *ret_count, const char **ret_next)
{
    return library_browse_artists_scoped(conn, arena, NULL, cursor, limit, ret_items, ret_count,
                                         ret_next);
}

int library_browse_artists_by_id(DbConn *conn, Arena *arena, const char *const *ids, size_t n,
                                 Artist **ret_items, size_t *ret_count)
{
    return library_browse_artists_by_id_scoped(conn, arena, NULL, ids, n, ret_items, ret_count);
}

int library_browse_albums_by_id(DbConn *conn, Arena *arena, const char *const *ids, size_t n,
                                Album **ret_items, size_t *ret_count)
{
    return library_browse_albums_by_id_scoped(conn, arena, NULL, ids, n, ret_items, ret_count);
}

int library_browse_album(DbConn *conn, Arena *arena, const char *id, Album *ret_album,
                         Song **ret_songs, size_t *ret_count)
{
    return library_browse_album_scoped(conn, arena, NULL, id, ret_album, ret_songs, ret_count);
}

int library_browse_artist(DbConn *conn, Arena *arena, const char *id, Artist *ret_artist,
                          Album **ret_albums, size_t *ret_count)
{
    return library_browse_artist_scoped(conn, arena, NULL, id, ret_artist, ret_albums, ret_count);
}

int library_browse_genres(DbConn *conn, Arena *arena, const char *cursor, int limit,
                          Genre **ret_items, size_t *ret_count, const char **ret_next)
{
    return library_browse_genres_scoped(conn, arena, NULL, cursor, limit, ret_items, ret_count,
                                        ret_next);
}

int library_browse_years(DbConn *conn, Arena *arena, YearCount **ret_items, size_t *ret_count)
{
    return library_browse_years_scoped(conn, arena, NULL, ret_items, ret_count);
}

int library_browse_roots(DbConn *conn, Arena *arena, Folder **ret_items, size_t *ret_count)
{
    return library_browse_roots_scoped(conn, arena, NULL, ret_items, ret_count);
}

int library_browse_folder(DbConn *conn, Arena *arena, const char *id, const char *cursor, int limit,
                          Folder *ret_folder, FolderEntry **ret_items, size_t *ret_count,
                          const char **ret_next)
{
    return library_browse_folder_scoped(conn, arena, NULL, id, cursor, limit, ret_folder, ret_items,
                                        ret_count, ret_next);
}
