/*
 * http_live.h - a bounded pipe from a producer thread to one HTTP response.
 *
 * The producer writes bytes; the connection reads them. When the buffer is empty the
 * connection is suspended (no busy-spin) and resumed by the next write; when it is full the
 * producer blocks, so a slow client slows its producer and memory stays bounded by the
 * capacity. A client that disconnects makes the next write fail with -EPIPE at once.
 * Refcounted: http_live_new() returns one reference for the producer;
 * http_response_live() takes another for the connection. The producer thread calls
 * write/finish; the server's threads read. The state is guarded by the object's mutex.
 */
#ifndef SWAZ_HTTP_LIVE_H
#define SWAZ_HTTP_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct HttpLive HttpLive;

/* Creates a pipe holding at most `capacity` bytes (1..LIMIT_LIVE_BUFFER_BYTES) with one
 * reference. Returns NULL when out of memory or `capacity` is out of range. Drop the
 * reference with http_live_unref(). */
HttpLive *http_live_new(size_t capacity);

/* Declares the body's length before the handler returns: the response then carries
 * Content-Length `length` instead of a chunked body. A producer that finishes (cleanly) short
 * of it is padded with zero bytes; one that writes more is cut there, and its next write fails
 * with -EPIPE once the response is complete. 0 (the default) keeps the length unknown. For
 * clients that need a length up front (Subsonic's estimateContentLength). */
void http_live_set_length(HttpLive *live, uint64_t length);

/* Writes all `len` bytes, blocking while the buffer is full. Returns 0, or -EPIPE when the
 * client has gone (or the server stops): the producer should stop at once. */
int http_live_write(HttpLive *live, const void *data, size_t len);

/* Ends the body. err == 0: the response completes after the buffered bytes; err < 0: the
 * connection is aborted (the client sees a truncated chunked body). Call once. */
void http_live_finish(HttpLive *live, int err);

/* True once the client has gone or the server stops. */
bool http_live_cancelled(HttpLive *live);

/* Drops one reference; the last one frees the pipe. NULL is a no-op. */
void http_live_unref(HttpLive *live);

#endif
