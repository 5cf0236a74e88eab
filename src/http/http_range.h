/*
 * http_range.h - the Range request header (RFC 9110 §14) for one representation of known size.
 *
 * Swaz serves single byte ranges as 206. Decided for multi-range requests: when at least
 * one of the ranges is satisfiable the whole representation is sent as 200 (RFC 9110
 * allows ignoring Range; no multipart/byteranges); when none is, 416. A `bytes=` header
 * that does not parse (bytes=abc, bytes=5-2, bytes=-0, empty) is 416; another unit
 * (items=0-1) is ignored (200). Pure functions; any thread.
 */
#ifndef SWAZ_HTTP_RANGE_H
#define SWAZ_HTTP_RANGE_H

#include <stdint.h>

typedef struct HttpRange {
    uint64_t start;
    uint64_t length; /* bytes from start; >= 1 */
} HttpRange;

enum {
    HTTP_RANGE_PARTIAL = 0, /* answer 206 with *ret_range */
    HTTP_RANGE_FULL = 1,    /* answer 200 with the whole representation */
};

/* Interprets `header` (NULL when absent) for a representation of `size` bytes. Returns
 * HTTP_RANGE_PARTIAL with *ret_range set, HTTP_RANGE_FULL, or ERR_RANGE (answer 416 with
 * `Content-Range: bytes * /size`). Headers longer than LIMIT_HTTP_RANGE_BYTES are ERR_RANGE. */
int http_range_parse(const char *header, uint64_t size, HttpRange *ret_range);

#endif
