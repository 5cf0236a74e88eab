/*
 * library_random.c - random rows by batched probes of the id index (see library_random.h).
 */
#include "library/library_random.h"

#include "core/str.h"

#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Hex digits of a point drawn between two ids. */
#define RANDOM_DIGITS 12

/* Probes of one statement. */
#define RANDOM_BATCH 50

/* Writes to `out` (room for strlen(lo) + 1 bytes) a random point between the ids lo <= hi:
 * their common prefix, then up to RANDOM_DIGITS hex digits drawn uniformly between theirs,
 * so probes spread over the ids in use whatever their shape (the uniform hashes of a scanned
 * library, or sequential numbers). */
static void random_point(const char *lo, const char *hi, char *out)
{
    size_t p = 0, k = 0;
    while (lo[p] && lo[p] == hi[p])
        p++;
    uint64_t a = 0, b = 0;
    while (k < RANDOM_DIGITS && str_hex_digit(lo[p + k]) >= 0 && str_hex_digit(hi[p + k]) >= 0) {
        a = a * 16 + (uint64_t)str_hex_digit(lo[p + k]);
        b = b * 16 + (uint64_t)str_hex_digit(hi[p + k]);
        k++;
    }
    memcpy(out, lo, p);
    uint64_t v = a;
    if (b > a) {
        uint64_t rnd;
        randombytes_buf(&rnd, sizeof(rnd));
        v = a + rnd % (b - a + 1);
    }
    for (size_t i = k; i > 0; i--, v >>= 4)
        out[p + i - 1] = "0123456789abcdef"[v & 15];
    out[p + k] = '\0';
}

/* Reads the smallest and the largest id (range_sql). Writes Arena-owned strings, NULL when
 * the table is empty. Returns 0, -ENOMEM or ERR_DB. */
static int random_range(DbConn *conn, Arena *arena, const char *range_sql, const char **ret_lo,
                        const char **ret_hi)
{
    DbStmt *st;
    int r = db_prepare(conn, range_sql, &st);
    if (r < 0)
        return r;
    if ((r = db_step(st)) < 0)
        goto out_finalize;
    const char *lo = r == DB_ROW ? db_column_text(st, 0) : NULL;
    const char *hi = r == DB_ROW ? db_column_text(st, 1) : NULL;
    *ret_lo = lo ? arena_strdup(arena, lo) : NULL;
    *ret_hi = hi ? arena_strdup(arena, hi) : NULL;
    r = (lo && !*ret_lo) || (hi && !*ret_hi) ? -ENOMEM : 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* "SELECT (probe) FROM (VALUES (?), ...) v": RANDOM_BATCH points, the probe's parameters
 * first. Arena-owned, or NULL. */
static const char *random_batch_sql(Arena *arena, const char *probe)
{
    static const char head[] = "SELECT (", mid[] = ") FROM (VALUES (?)", more[] = ", (?)",
                      tail[] = ") v";
    size_t lp = strlen(probe), at = 0;
    char *sql = arena_alloc(arena, sizeof(head) + lp + sizeof(mid) +
                                       (RANDOM_BATCH - 1) * (sizeof(more) - 1) + sizeof(tail));
    if (!sql)
        return NULL;
    const char *parts[] = {head, probe, mid};
    for (size_t k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
        size_t len = strlen(parts[k]);
        memcpy(sql + at, parts[k], len);
        at += len;
    }
    for (int i = 1; i < RANDOM_BATCH; i++) {
        memcpy(sql + at, more, sizeof(more) - 1);
        at += sizeof(more) - 1;
    }
    memcpy(sql + at, tail, sizeof(tail));
    return sql;
}

int library_random_ids(DbConn *conn, Arena *arena, const LibraryRandom *q, int limit,
                       const char **ids, size_t *ret_count)
{
    if (limit < 1)
        return -EINVAL;
    *ret_count = 0;
    const char *lo, *hi;
    int r = random_range(conn, arena, q->range_sql, &lo, &hi);
    if (r < 0 || !lo || !hi)
        return r;
    char *point = arena_alloc(arena, strlen(lo) + 1);
    const char *sql = random_batch_sql(arena, q->probe_sql);
    if (!point || !sql)
        return -ENOMEM;
    DbStmt *st;
    if ((r = db_prepare(conn, sql, &st)) < 0)
        return r;
    size_t n = 0;
    for (int probes = 0; probes < limit * 3 && n < (size_t)limit; probes += RANDOM_BATCH) {
        int idx = 1;
        if ((r = db_reset(st)) < 0 || (q->bind && (r = q->bind(st, &idx, q->ctx)) < 0))
            goto out_finalize;
        for (int i = 0; i < RANDOM_BATCH; i++) {
            random_point(lo, hi, point);
            if ((r = db_bind_text(st, idx++, point)) < 0)
                goto out_finalize;
        }
        size_t found = 0;
        while ((r = db_step(st)) == DB_ROW) {
            const char *id = db_column_text(st, 0);
            if (!id)
                continue; /* no passing row at or after this point */
            bool seen = false;
            for (size_t i = 0; i < n && !seen; i++)
                seen = strcmp(ids[i], id) == 0;
            found++;
            if (seen || n == (size_t)limit)
                continue;
            if (!(ids[n++] = arena_strdup(arena, id))) {
                r = -ENOMEM;
                goto out_finalize;
            }
        }
        if (r < 0)
            goto out_finalize;
        if (found == 0)
            break; /* no row passes, or too few to be found this way */
    }
    *ret_count = n;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}
