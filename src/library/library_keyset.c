/*
 * library_keyset.c - keyset paging shared by the library lists: typed cursor parts, their
 * binds, and the limit + 1 row loop that finds the next cursor.
 */
#include "library/library_keyset.h"

#include "core/err.h"

#include <inttypes.h>
#include <string.h>

static bool keyset_numeric(const LibraryKeyset *ks, size_t i)
{
    return (ks->numeric >> i) & 1u;
}

int library_keyset_unpack(Arena *arena, const LibraryKeyset *ks, const char *cursor,
                          LibraryKeysetKey *ret_after)
{
    LibraryKeysetKey after = {0};
    int r = library_cursor_unpack(arena, cursor, ks->parts, after.text);
    if (r < 0)
        return r;
    for (size_t i = 0; i < ks->parts; i++) {
        if (keyset_numeric(ks, i) && (r = library_cursor_int(after.text[i], &after.num[i])) < 0)
            return r;
    }
    *ret_after = after;
    return 0;
}

int library_keyset_bind(DbStmt *st, const LibraryKeyset *ks, const LibraryKeysetKey *after,
                        int *idx)
{
    for (size_t i = ks->tag ? 1 : 0; i < ks->parts; i++) {
        int r = keyset_numeric(ks, i) ? db_bind_int64(st, (*idx)++, after->num[i])
                                      : db_bind_text(st, (*idx)++, after->text[i]);
        if (r < 0)
            return r;
    }
    return 0;
}

const char *library_keyset_limit_sql(Arena *arena, const char *sql, int64_t rows)
{
    static const char end[] = "LIMIT ?";
    size_t len = strlen(sql), n = sizeof(end) - 1;
    if (len < n || strcmp(sql + len - n, end) != 0)
        return NULL;
    return arena_printf(arena, "%.*sLIMIT %" PRId64, (int)(len - n), sql, rows);
}

int library_keyset_encode(Arena *arena, const LibraryKeyset *ks, const LibraryKeysetKey *key,
                          const char **ret_cursor)
{
    const char *parts[LIBRARY_CURSOR_PARTS_MAX];
    for (size_t i = 0; i < ks->parts; i++) {
        if (i == 0 && ks->tag)
            parts[i] = ks->tag;
        else if (keyset_numeric(ks, i))
            parts[i] = library_cursor_fmt_int(arena, key->num[i]);
        else
            parts[i] = key->text[i];
        if (!parts[i])
            return -ENOMEM;
    }
    const char *cursor = library_cursor_pack(arena, parts, ks->parts);
    if (!cursor)
        return -ENOMEM;
    *ret_cursor = cursor;
    return 0;
}

int library_keyset_read(DbStmt *st, Arena *arena, const LibraryKeyset *ks, int limit, void *items,
                        size_t item_size, LibraryKeysetRead read, const void *ctx,
                        size_t *ret_count, const char **ret_next, LibraryKeysetKey *ret_last)
{
    LibraryKeysetKey key = {0};
    size_t n = 0;
    bool more = false;
    int r;
    while ((r = db_step(st)) == DB_ROW) {
        if (n == (size_t)limit) {
            more = true;
            break;
        }
        if ((r = read(st, arena, (char *)items + n * item_size, ctx, &key)) < 0)
            return r;
        n++;
    }
    if (r < 0)
        return r;
    const char *next = NULL;
    if (more && (r = library_keyset_encode(arena, ks, &key, &next)) < 0)
        return r;
    *ret_count = n;
    *ret_next = next;
    if (ret_last)
        *ret_last = key;
    return 0;
}
