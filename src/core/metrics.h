/*
 * metrics.h - process-wide counters and gauges, rendered in the Prometheus text format.
 *
 * One fixed table of metrics (METRICS_* ids below), each an atomic 64-bit value, so any
 * layer and any thread may count without a lock or an allocation. To add a metric, add an
 * id here and one line to the table in metrics.c; entries of one name with different label
 * sets sit next to each other. The values are the only mutable globals besides the log.
 */
#ifndef SWAZ_CORE_METRICS_H
#define SWAZ_CORE_METRICS_H

#include "core/buf.h"

#include <stdint.h>

typedef enum MetricsId {
    METRICS_HTTP_1XX, /* swaz_http_requests_total{class="1xx"} ... */
    METRICS_HTTP_2XX,
    METRICS_HTTP_3XX,
    METRICS_HTTP_4XX,
    METRICS_HTTP_5XX,
    METRICS_LIVE_STREAMS,         /* gauge: live (chunked) responses being sent */
    METRICS_TRANSCODES_STARTED,   /* encoders started */
    METRICS_TRANSCODES_FINISHED,  /* encoders that wrote their whole output */
    METRICS_TRANSCODES_FAILED,    /* encoders stopped by an error (not by a client leaving) */
    METRICS_TRANSCODES_CANCELLED, /* encoders stopped because every listener left */
    METRICS_TRANSCODES_RUNNING,   /* gauge: encoders running */
    METRICS_TCACHE_HITS,          /* streams served from a finished cache file */
    METRICS_TCACHE_JOINS,         /* streams that followed an encode already running */
    METRICS_TCACHE_MISSES,        /* streams that had to start an encoder */
    METRICS_TCACHE_EVICTIONS,     /* cache files removed to stay under the size */
    METRICS_TCACHE_BYTES,         /* gauge: bytes of finished cache files */
    METRICS_TCACHE_FILES,         /* gauge: finished cache files */
    METRICS_TCACHE_WRITTEN_BYTES, /* bytes written into the cache */
    METRICS_PAGES_HITS,           /* library answers sent from the page cache */
    METRICS_PAGES_MISSES,         /* library answers that had to be rendered */
    METRICS_PAGES_BYTES,          /* gauge: bytes held by the page cache */
    METRICS_PAGES_COUNT,          /* gauge: answers held by the page cache */
    METRICS_HTTP_JOBS,            /* requests handed from an event thread to a handler thread */
    METRICS_HTTP_JOBS_QUEUED,     /* gauge: of those, waiting for a handler thread */
    METRICS_COUNT
} MetricsId;

/* Adds `n` to a counter or gauge (a negative `n` lowers a gauge). Any thread. */
void metrics_add(MetricsId id, int64_t n);

/* Adds 1. Any thread. */
void metrics_inc(MetricsId id);

/* Sets a gauge to `v`. Any thread. */
void metrics_set(MetricsId id, int64_t v);

/* Returns the current value of `id` (0 for an id out of range). Any thread. */
int64_t metrics_get(MetricsId id);

/* Counts one HTTP response of `status` in its class (1xx..5xx; others are ignored). */
void metrics_http_status(int status);

/* Appends every metric in the Prometheus text exposition format (version 0.0.4) to `out`.
 * Returns 0, or what buf_printf() returns (-ENOMEM, ERR_LIMIT past the buffer's maximum). */
int metrics_render(Buf *out);

/* Appends the standard process metrics read from /proc/self (process_cpu_seconds_total,
 * process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds). A value
 * that cannot be read is left out. Returns 0 or what buf_printf() returns. */
int metrics_render_process(Buf *out);

#endif
