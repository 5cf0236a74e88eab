/*
 * http_gzip.h - gzip (RFC 1952) forms of whole answers, with libdeflate.
 *
 * The server compresses a memory body itself when the client accepts gzip, the type is text
 * (JSON, XML, HTML, CSS, JavaScript, plain text, SVG) and the body is at least
 * HTTP_GZIP_MIN_BYTES; the application may also send a form it compressed once and kept
 * (then it sets Content-Encoding itself and the server leaves the body alone). A HttpGzip
 * keeps compressors of one level for reuse: any thread, one mutex around the spare ones.
 */
#ifndef SWAZ_HTTP_GZIP_H
#define SWAZ_HTTP_GZIP_H

#include "http/http_request.h"

#include <stdbool.h>
#include <stddef.h>

/* Smallest body worth compressing: below it the gzip head and the CPU cost more than the
 * bytes saved. */
#define HTTP_GZIP_MIN_BYTES 1024

typedef struct HttpGzip HttpGzip;

/* Makes a compressor pool of `level` (1 fastest .. 12 smallest) keeping up to `keep` spare
 * compressors. Returns 0, -EINVAL or -ENOMEM. Caller frees with http_gzip_free(). */
int http_gzip_new(int level, unsigned keep, HttpGzip **ret_gzip);

/* Frees the pool. NULL is a no-op. */
void http_gzip_free(HttpGzip *gzip);

/* Compresses `len` bytes into a malloc'd gzip member (*ret_data, *ret_len; the caller frees
 * it). Returns 0, -E2BIG when the result would not be smaller than the input, or -ENOMEM. */
int http_gzip_compress(HttpGzip *gzip, const void *data, size_t len, void **ret_data,
                       size_t *ret_len);

/* Inflates a gzip member this process made (http_gzip_compress()) into a malloc'd buffer
 * (*ret_data, *ret_len; the caller frees it) for a client that does not take gzip. Its size
 * is read from the member's trailer and must be at most `max` bytes. Returns 0, -EINVAL (not
 * a whole gzip member), -E2BIG (larger than max) or -ENOMEM. */
int http_gzip_inflate(const void *gz, size_t len, size_t max, void **ret_data, size_t *ret_len);

/* True when the request's Accept-Encoding takes gzip (q > 0, or "*" does). */
bool http_gzip_accepted(const HttpRequest *req);

/* True for the content types worth compressing (text, JSON, XML, JavaScript, SVG). */
bool http_gzip_compressible(const char *content_type);

#endif
