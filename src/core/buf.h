/*
 * buf.h - a growable byte buffer with a hard maximum (after curl's dynbuf).
 *
 * Every Buf is created with the most bytes it may ever hold; an append past it fails with
 * ERR_LIMIT and leaves the buffer as it was. The content is always NUL-terminated.
 * Not thread-safe: one owner at a time.
 */
#ifndef SWAZ_CORE_BUF_H
#define SWAZ_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct Buf {
    char *data; /* NUL-terminated content; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;
} Buf;

/* Prepares an empty buffer that may hold at most `max` bytes. Frees nothing. */
void buf_init(Buf *b, size_t max);

/* Releases the content; the buffer is empty and may be reused. */
void buf_free(Buf *b);

/* Empties the buffer, keeping its memory. */
void buf_reset(Buf *b);

/* Makes room for `extra` more bytes (plus the NUL) without changing the content, for a
 * caller that then writes at data + len and advances len itself. Returns 0, -ENOMEM, or
 * ERR_LIMIT when len + extra would pass the maximum. */
int buf_reserve(Buf *b, size_t extra);

/* Appends bytes. Returns 0, -ENOMEM, or ERR_LIMIT past the maximum (buffer unchanged). */
int buf_append(Buf *b, const void *data, size_t len);
int buf_append_str(Buf *b, const char *s);
int buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(Buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Takes the content away from the buffer; caller frees it with free(). May be NULL if empty. */
char *buf_steal(Buf *b);

#endif
