/*
 * arena.h - a region allocator: many small allocations, one free.
 *
 * One arena per request (freed when the response ends) and per batch of work, as nginx's
 * pools. An arena has a byte budget fixed at creation; an allocation past it fails (NULL)
 * instead of growing without bound. Not thread-safe: one owner thread at a time.
 */
#ifndef SWAZ_CORE_ARENA_H
#define SWAZ_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct Arena Arena;

/* Creates an arena that will hand out at most `max_bytes`. Caller frees with arena_free(). */
Arena *arena_new(size_t max_bytes);

/* Frees every allocation of the arena and the arena itself. arena_free(NULL) is a no-op. */
void arena_free(Arena *a);

/* Returns `size` bytes aligned for any type, or NULL past the budget. Arena-owned. */
void *arena_alloc(Arena *a, size_t size);

/* As arena_alloc() but zeroed. Arena-owned. */
void *arena_calloc(Arena *a, size_t n, size_t size);

/* Returns a NUL-terminated copy of `s` (or of its first `n` bytes), or NULL. Arena-owned. */
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);

/* Returns a formatted string, or NULL past the budget. Arena-owned. */
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(Arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Returns the bytes handed out so far (for tests and metrics). */
size_t arena_used(const Arena *a);

#endif
