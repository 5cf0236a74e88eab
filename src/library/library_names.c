/*
 * library_names.c - a set-associative table of artist and genre names for one stamp of the
 * library generation: a bucket of NAMES_WAYS slots per hash, each slot one malloc'd
 * "id\0name\0sort\0". Texts are made and freed outside the mutex where they can be.
 */
#include "library/library_names.h"

#include "core/limits.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Slots per bucket: a newcomer to a full bucket takes the slot filled longest ago. */
#define NAMES_WAYS 4

typedef struct NamesSlot {
    uint64_t hash; /* of kind and id; 0: empty */
    char *text;    /* "id\0name\0sort\0", malloc'd */
    uint16_t id_len, name_len, sort_len;
    uint8_t kind;
} NamesSlot;

struct LibraryNames {
    size_t n_buckets;   /* a power of two; immutable */
    pthread_mutex_t mu; /* guards every field below */
    NamesSlot *slots;   /* n_buckets * NAMES_WAYS */
    uint8_t *next;      /* per bucket: the way a newcomer takes when the bucket is full */
    size_t count;       /* slots in use */
    int64_t stamp;      /* the generation stamp the entries were read under */
    bool has_stamp;     /* false until the first library_names_put() */
};

/* FNV-1a over the kind and the id, never 0 (0 marks an empty slot). */
static uint64_t names_hash(unsigned kind, const char *id, size_t len)
{
    uint64_t h = 14695981039346656037ULL;
    h = (h ^ (uint8_t)kind) * 1099511628211ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)id[i]) * 1099511628211ULL;
    return h ? h : 1;
}

LibraryNames *library_names_new(size_t max_entries)
{
    size_t entries = 8;
    while (entries * 2 <= max_entries)
        entries *= 2;
    LibraryNames *names = calloc(1, sizeof(*names));
    if (!names)
        return NULL;
    names->n_buckets = entries / NAMES_WAYS;
    names->slots = calloc(entries, sizeof(*names->slots));
    names->next = calloc(names->n_buckets, sizeof(*names->next));
    if (!names->slots || !names->next) {
        free(names->slots);
        free(names->next);
        free(names);
        return NULL;
    }
    pthread_mutex_init(&names->mu, NULL);
    return names;
}

/* Frees every entry (names->mu held, or no other thread). */
static void names_clear(LibraryNames *names)
{
    for (size_t i = 0; i < names->n_buckets * NAMES_WAYS; i++) {
        free(names->slots[i].text);
        names->slots[i] = (NamesSlot){0};
    }
    memset(names->next, 0, names->n_buckets);
    names->count = 0;
}

void library_names_free(LibraryNames *names)
{
    if (!names)
        return;
    names_clear(names);
    pthread_mutex_destroy(&names->mu);
    free(names->slots);
    free(names->next);
    free(names);
}

void library_names_attach(Db *db, LibraryNames *names)
{
    db_set_data(db, DB_DATA_NAMES, names);
}

LibraryNames *library_names_of(DbConn *conn, Db **ret_db)
{
    return db_conn_data(conn, DB_DATA_NAMES, ret_db);
}

/* Returns the slot holding (kind, id) in its bucket, or NULL (names->mu held). */
static NamesSlot *names_find(LibraryNames *names, uint64_t hash, unsigned kind, const char *id,
                             size_t len)
{
    NamesSlot *bucket = &names->slots[(hash & (names->n_buckets - 1)) * NAMES_WAYS];
    for (size_t w = 0; w < NAMES_WAYS; w++) {
        NamesSlot *s = &bucket[w];
        if (s->hash == hash && s->kind == kind && s->id_len == len && memcmp(s->text, id, len) == 0)
            return s;
    }
    return NULL;
}

int library_names_get(LibraryNames *names, Arena *arena, int64_t stamp, unsigned kind,
                      LibraryName *v, size_t n)
{
    int found = 0;
    if (kind >= LIBRARY_NAMES_KINDS)
        return 0;
    pthread_mutex_lock(&names->mu);
    if (!names->has_stamp || names->stamp != stamp || names->count == 0)
        goto out_unlock;
    for (size_t i = 0; i < n; i++) {
        if (!v[i].id)
            continue;
        size_t len = strlen(v[i].id);
        const NamesSlot *s = names_find(names, names_hash(kind, v[i].id, len), kind, v[i].id, len);
        if (!s)
            continue;
        /* name and sort, both NUL-terminated, copied at once */
        size_t bytes = (size_t)s->name_len + s->sort_len + 2;
        char *copy = arena_alloc(arena, bytes);
        if (!copy) {
            found = -ENOMEM;
            goto out_unlock;
        }
        memcpy(copy, s->text + s->id_len + 1, bytes);
        v[i].name = copy;
        v[i].sort = copy + s->name_len + 1;
        found++;
    }
out_unlock:
    pthread_mutex_unlock(&names->mu);
    return found;
}

/* One entry of library_names_put(), made before the mutex is taken. */
typedef struct NamesNew {
    NamesSlot slot;
    char *unused; /* a text to free once the mutex is released (this one, or one replaced) */
} NamesNew;

/* Makes the slot of `v` (hash, lengths, text), or returns false when it does not fit. */
static bool names_make(unsigned kind, const LibraryName *v, NamesSlot *ret_slot)
{
    const char *sort = v->sort ? v->sort : "";
    size_t a = strlen(v->id), b = strlen(v->name), c = strlen(sort);
    if (a + b + c + 3 > LIMIT_NAMES_CACHE_TEXT_BYTES)
        return false;
    char *text = malloc(a + b + c + 3);
    if (!text)
        return false;
    memcpy(text, v->id, a + 1);
    memcpy(text + a + 1, v->name, b + 1);
    memcpy(text + a + b + 2, sort, c + 1);
    *ret_slot = (NamesSlot){
        names_hash(kind, v->id, a), text, (uint16_t)a, (uint16_t)b, (uint16_t)c, (uint8_t)kind};
    return true;
}

/* Puts `slot` in its bucket (names->mu held); writes the text left over to *ret_unused. */
static void names_insert(LibraryNames *names, const NamesSlot *slot, char **ret_unused)
{
    NamesSlot *s = names_find(names, slot->hash, slot->kind, slot->text, slot->id_len);
    size_t b = slot->hash & (names->n_buckets - 1);
    NamesSlot *bucket = &names->slots[b * NAMES_WAYS];
    for (size_t w = 0; !s && w < NAMES_WAYS; w++) {
        if (bucket[w].hash == 0) {
            s = &bucket[w];
            names->count++;
        }
    }
    if (!s) { /* full: the slot filled longest ago */
        s = &bucket[names->next[b]];
        names->next[b] = (uint8_t)((names->next[b] + 1) % NAMES_WAYS);
    }
    *ret_unused = s->text;
    *s = *slot;
}

void library_names_put(LibraryNames *names, int64_t stamp, unsigned kind, const LibraryName *v,
                       size_t n)
{
    if (n == 0 || kind >= LIBRARY_NAMES_KINDS)
        return;
    NamesNew *made = malloc(n * sizeof(*made));
    if (!made)
        return;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].id && v[i].name && names_make(kind, &v[i], &made[m].slot))
            made[m++].unused = NULL;
    }
    pthread_mutex_lock(&names->mu);
    if (names->has_stamp && stamp < names->stamp) {
        for (size_t i = 0; i < m; i++)
            made[i].unused = made[i].slot.text;
    } else {
        if (!names->has_stamp || stamp > names->stamp)
            names_clear(names);
        names->stamp = stamp;
        names->has_stamp = true;
        for (size_t i = 0; i < m; i++)
            names_insert(names, &made[i].slot, &made[i].unused);
    }
    pthread_mutex_unlock(&names->mu);
    for (size_t i = 0; i < m; i++)
        free(made[i].unused);
    free(made);
}

size_t library_names_count(LibraryNames *names)
{
    pthread_mutex_lock(&names->mu);
    size_t n = names->count;
    pthread_mutex_unlock(&names->mu);
    return n;
}
