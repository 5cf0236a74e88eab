/*
 * library_marks.c - the offset marks of a few lists for one stamp of the library generation:
 * a fixed array of lists, each a malloc'd key and a growing malloc'd array of malloc'd
 * cursors. Lookups copy a cursor out under the mutex; new texts are made outside it.
 */
#include "library/library_marks.h"

#include "core/limits.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct MarksList {
    char *key;      /* malloc'd; NULL: a free slot */
    char **cursors; /* malloc'd array of malloc'd cursors, mark j at [j] */
    int64_t n, cap;
    uint64_t used; /* the table's clock when last read or written */
} MarksList;

struct LibraryMarks {
    size_t n_lists;     /* immutable */
    int64_t step;       /* immutable */
    pthread_mutex_t mu; /* guards every field below */
    MarksList *lists;
    uint64_t clock;
    int64_t stamp;  /* the generation stamp the marks were read under */
    bool has_stamp; /* false until the first library_marks_put() */
};

LibraryMarks *library_marks_new(size_t max_lists, int64_t step)
{
    LibraryMarks *marks = calloc(1, sizeof(*marks));
    if (!marks)
        return NULL;
    marks->n_lists = max_lists ? max_lists : 1;
    marks->step = step > 0 ? step : 1;
    if (!(marks->lists = calloc(marks->n_lists, sizeof(*marks->lists)))) {
        free(marks);
        return NULL;
    }
    pthread_mutex_init(&marks->mu, NULL);
    return marks;
}

/* Frees the key and marks of `list` and leaves it a free slot. */
static void marks_list_clear(MarksList *list)
{
    for (int64_t j = 0; j < list->n; j++)
        free(list->cursors[j]);
    free(list->cursors);
    free(list->key);
    *list = (MarksList){0};
}

void library_marks_free(LibraryMarks *marks)
{
    if (!marks)
        return;
    for (size_t i = 0; i < marks->n_lists; i++)
        marks_list_clear(&marks->lists[i]);
    pthread_mutex_destroy(&marks->mu);
    free(marks->lists);
    free(marks);
}

void library_marks_attach(Db *db, LibraryMarks *marks)
{
    db_set_data(db, DB_DATA_MARKS, marks);
}

LibraryMarks *library_marks_of(DbConn *conn, Db **ret_db)
{
    return db_conn_data(conn, DB_DATA_MARKS, ret_db);
}

LibraryMarks *library_marks_for(DbConn *conn, int64_t offset, int64_t *ret_stamp)
{
    Db *db;
    LibraryMarks *marks = library_marks_of(conn, &db);
    if (!marks || offset < marks->step || db_in_transaction(conn) ||
        db_generation_get(db, conn, DB_GENERATION_LIBRARY, ret_stamp) < 0)
        return NULL;
    return marks;
}

const char *library_marks_list(Arena *arena, const LibraryScope *scope, const char *name)
{
    if (!name || library_scope_all(scope))
        return name ? arena_printf(arena, "%s\x1f*", name) : NULL;
    const char *key = arena_printf(arena, "%s\x1f", name);
    for (size_t i = 0; key && i < scope->n; i++)
        key = arena_printf(arena, "%s%lld,", key, (long long)scope->ids[i]);
    return key;
}

int64_t library_marks_step(const LibraryMarks *marks)
{
    return marks->step;
}

/* Returns the list named `key`, or NULL (marks->mu held). */
static MarksList *marks_find(LibraryMarks *marks, const char *key)
{
    for (size_t i = 0; i < marks->n_lists; i++) {
        if (marks->lists[i].key && strcmp(marks->lists[i].key, key) == 0)
            return &marks->lists[i];
    }
    return NULL;
}

int64_t library_marks_get(LibraryMarks *marks, Arena *arena, int64_t stamp, const char *key,
                          int64_t want, const char **ret_cursor)
{
    int64_t have = 0;
    pthread_mutex_lock(&marks->mu);
    MarksList *list = marks->has_stamp && marks->stamp == stamp ? marks_find(marks, key) : NULL;
    if (list && want > 0) {
        have = list->n < want ? list->n : want;
        list->used = ++marks->clock;
        if (have > 0 && !(*ret_cursor = arena_strdup(arena, list->cursors[have - 1])))
            have = -ENOMEM;
    }
    pthread_mutex_unlock(&marks->mu);
    return have;
}

/* Returns the list named `key`, making it in a free slot or in the one used longest ago
 * (whose marks go); NULL when out of memory (marks->mu held). */
static MarksList *marks_take(LibraryMarks *marks, const char *key)
{
    MarksList *list = marks_find(marks, key);
    if (list)
        return list;
    list = &marks->lists[0];
    for (size_t i = 0; i < marks->n_lists && list->key; i++) {
        if (!marks->lists[i].key || marks->lists[i].used < list->used)
            list = &marks->lists[i];
    }
    marks_list_clear(list);
    return (list->key = strdup(key)) ? list : NULL;
}

void library_marks_put(LibraryMarks *marks, int64_t stamp, const char *key, int64_t index,
                       const char *cursor)
{
    if (index < 0 || index >= LIMIT_OFFSET_MARKS_PER_LIST)
        return;
    char *copy = strdup(cursor);
    if (!copy)
        return;
    pthread_mutex_lock(&marks->mu);
    if (marks->has_stamp && stamp < marks->stamp)
        goto out_unlock;
    if (!marks->has_stamp || stamp > marks->stamp) {
        for (size_t i = 0; i < marks->n_lists; i++)
            marks_list_clear(&marks->lists[i]);
        marks->stamp = stamp;
        marks->has_stamp = true;
    }
    MarksList *list = index == 0 ? marks_take(marks, key) : marks_find(marks, key);
    if (!list || index != list->n)
        goto out_unlock;
    if (list->n == list->cap) {
        int64_t cap = list->cap ? list->cap * 2 : 16;
        char **grown = realloc(list->cursors, (size_t)cap * sizeof(*grown));
        if (!grown)
            goto out_unlock;
        list->cursors = grown;
        list->cap = cap;
    }
    list->cursors[list->n++] = copy;
    list->used = ++marks->clock;
    copy = NULL;
out_unlock:
    pthread_mutex_unlock(&marks->mu);
    free(copy);
}

size_t library_marks_count(LibraryMarks *marks)
{
    size_t n = 0;
    pthread_mutex_lock(&marks->mu);
    for (size_t i = 0; i < marks->n_lists; i++)
        n += (size_t)marks->lists[i].n;
    pthread_mutex_unlock(&marks->mu);
    return n;
}
