/* library_scope.c - scope clauses: '@' becomes one '?' per visible library. */
#include "library/library_scope.h"

#include "core/limits.h"

#include <string.h>

bool library_scope_all(const LibraryScope *scope)
{
    return !scope || scope->all;
}

bool library_scope_sees(const LibraryScope *scope, int64_t library_id)
{
    if (library_scope_all(scope))
        return true;
    for (size_t i = 0; i < scope->n; i++) {
        if (scope->ids[i] == library_id)
            return true;
    }
    return false;
}

static size_t scope_marks(const char *clause)
{
    size_t n = 0;
    for (const char *p = clause; *p; p++)
        n += *p == '@';
    return n;
}

const char *library_scope_sql(Arena *arena, const LibraryScope *scope, const char *head,
                              const char *clause, const char *tail)
{
    if (library_scope_all(scope))
        return arena_printf(arena, "%s%s", head, tail);
    size_t hl = strlen(head), cl = strlen(clause), tl = strlen(tail);
    size_t list = scope->n ? scope->n * 3 : 4; /* "?, " per id, or "NULL" */
    char *sql = arena_alloc(arena, hl + cl + scope_marks(clause) * list + tl + 1);
    if (!sql)
        return NULL;
    memcpy(sql, head, hl);
    size_t off = hl;
    for (const char *p = clause; *p; p++) {
        if (*p != '@') {
            sql[off++] = *p;
            continue;
        }
        if (scope->n == 0) { /* IN (NULL) is never true */
            memcpy(sql + off, "NULL", 4);
            off += 4;
        }
        for (size_t i = 0; i < scope->n; i++) {
            if (i) {
                sql[off++] = ',';
                sql[off++] = ' ';
            }
            sql[off++] = '?';
        }
    }
    memcpy(sql + off, tail, tl + 1);
    return sql;
}

int library_scope_bind(DbStmt *st, const LibraryScope *scope, const char *clause, int *idx)
{
    if (library_scope_all(scope) || scope->n == 0)
        return 0;
    size_t marks = scope_marks(clause);
    for (size_t m = 0; m < marks; m++) {
        for (size_t i = 0; i < scope->n; i++) {
            int r = db_bind_int64(st, (*idx)++, scope->ids[i]);
            if (r < 0)
                return r;
        }
    }
    return 0;
}
