/*
 * arena.c - region allocator. Memory comes in chunks from malloc; a request larger than
 * a chunk gets a chunk of its own. Everything is released by arena_free().
 */
#include "core/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK 8192
#define ARENA_ALIGN 16

typedef struct ArenaChunk {
    struct ArenaChunk *next;
    size_t size;
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} ArenaChunk;

struct Arena {
    ArenaChunk *head;
    size_t max;
    size_t total;
};

Arena *arena_new(size_t max_bytes)
{
    Arena *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->max = max_bytes;
    return a;
}

void arena_free(Arena *a)
{
    if (!a)
        return;
    ArenaChunk *c = a->head;
    while (c) {
        ArenaChunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *arena_alloc(Arena *a, size_t size)
{
    if (size == 0)
        size = 1;
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (rounded < size || rounded > a->max || a->total > a->max - rounded)
        return NULL;
    ArenaChunk *c = a->head;
    if (!c || c->size - c->used < rounded) {
        size_t want = rounded > ARENA_CHUNK ? rounded : ARENA_CHUNK;
        c = malloc(sizeof(*c) + want);
        if (!c)
            return NULL;
        c->size = want;
        c->used = 0;
        /* Keep the chunk with the most room at the head for later small allocations. */
        if (a->head && rounded > ARENA_CHUNK) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->data + c->used;
    c->used += rounded;
    a->total += rounded;
    return p;
}

void *arena_calloc(Arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = arena_alloc(a, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(Arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(Arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(Arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

size_t arena_used(const Arena *a)
{
    return a->total;
}
