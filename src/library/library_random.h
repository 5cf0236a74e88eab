/*
 * library_random.h - random rows of a table found by probing its id index, not by sorting it.
 *
 * Ids are uniform hashes in a scanned library (library_id()), so the first row at or after a
 * random point between the smallest and the largest id is a random row: one index lookup per
 * row wanted, whatever the size of the table. Points are drawn between the ids in use, so
 * ids of another shape (sequential numbers) are spread over as well. One statement probes
 * 50 points (a VALUES list, the probe a correlated subquery of it), so a
 * page costs a few round trips and one short plan, not one per row.
 */
#ifndef SWAZ_LIBRARY_RANDOM_H
#define SWAZ_LIBRARY_RANDOM_H

#include "core/arena.h"
#include "db/db.h"

#include <stddef.h>

/* The point of a probe in its SQL: a column of the VALUES list of points. */
#define LIBRARY_RANDOM_POINT "v.column1"

/* What library_random_ids() probes. */
typedef struct LibraryRandom {
    /* One row of two columns: the smallest and the largest id of the table. */
    const char *range_sql;
    /* One probe, "SELECT x.id FROM ... WHERE ... AND x.id >= " LIBRARY_RANDOM_POINT
     * " ORDER BY x.id LIMIT 1": the id of the first passing row at or after the point. */
    const char *probe_sql;
    /* Binds the probe's parameters from *idx on, advancing *idx; NULL when there are none.
     * Returns 0 or ERR_DB. */
    int (*bind)(DbStmt *st, int *idx, const void *ctx);
    const void *ctx;
} LibraryRandom;

/* Writes to `ids` (room for `limit` >= 1) up to `limit` distinct ids of random passing rows,
 * Arena-owned, in the order drawn, after at most 3 * `limit` probes (rounded up to a whole
 * batch). Fewer means few rows pass (or none: *ret_count 0). Returns 0, -EINVAL, -ENOMEM or
 * ERR_DB. */
int library_random_ids(DbConn *conn, Arena *arena, const LibraryRandom *q, int limit,
                       const char **ids, size_t *ret_count);

#endif
