/*
 * metrics.c - the metrics table and its Prometheus rendering.
 *
 * Values are relaxed atomics: a scrape sees each value as it was at some instant, which is
 * all the text format promises. HELP and TYPE are written once per name, before the first
 * entry of that name.
 */
#include "core/metrics.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

typedef struct MetricsDef {
    const char *name;
    const char *labels; /* e.g. "class=\"2xx\"", or NULL */
    bool gauge;
    const char *help;
} MetricsDef;

#define METRICS_HTTP_HELP   "HTTP responses sent, by status class."
#define METRICS_TCACHE_HELP "Transcoded streams by how the transcode cache served them."

static const MetricsDef metrics_defs[METRICS_COUNT] = {
    [METRICS_HTTP_1XX] = {"swaz_http_requests_total", "class=\"1xx\"", false, METRICS_HTTP_HELP},
    [METRICS_HTTP_2XX] = {"swaz_http_requests_total", "class=\"2xx\"", false, METRICS_HTTP_HELP},
    [METRICS_HTTP_3XX] = {"swaz_http_requests_total", "class=\"3xx\"", false, METRICS_HTTP_HELP},
    [METRICS_HTTP_4XX] = {"swaz_http_requests_total", "class=\"4xx\"", false, METRICS_HTTP_HELP},
    [METRICS_HTTP_5XX] = {"swaz_http_requests_total", "class=\"5xx\"", false, METRICS_HTTP_HELP},
    [METRICS_LIVE_STREAMS] = {"swaz_live_streams", NULL, true,
                              "Live (chunked, produced while sent) responses in progress."},
    [METRICS_TRANSCODES_STARTED] = {"swaz_transcodes_started_total", NULL, false,
                                    "Transcode encoders started."},
    [METRICS_TRANSCODES_FINISHED] = {"swaz_transcodes_finished_total", NULL, false,
                                     "Transcode encoders that wrote their whole output."},
    [METRICS_TRANSCODES_FAILED] = {"swaz_transcodes_failed_total", NULL, false,
                                   "Transcode encoders stopped by an error."},
    [METRICS_TRANSCODES_CANCELLED] = {"swaz_transcodes_cancelled_total", NULL, false,
                                      "Transcode encoders stopped because every listener left."},
    [METRICS_TRANSCODES_RUNNING] = {"swaz_transcodes_running", NULL, true,
                                    "Transcode encoders running now."},
    [METRICS_TCACHE_HITS] = {"swaz_transcode_cache_requests_total", "result=\"hit\"", false,
                             METRICS_TCACHE_HELP},
    [METRICS_TCACHE_JOINS] = {"swaz_transcode_cache_requests_total", "result=\"join\"", false,
                              METRICS_TCACHE_HELP},
    [METRICS_TCACHE_MISSES] = {"swaz_transcode_cache_requests_total", "result=\"miss\"", false,
                               METRICS_TCACHE_HELP},
    [METRICS_TCACHE_EVICTIONS] = {"swaz_transcode_cache_evictions_total", NULL, false,
                                  "Transcode cache files removed to stay under the size."},
    [METRICS_TCACHE_BYTES] = {"swaz_transcode_cache_bytes", NULL, true,
                              "Bytes held by finished transcode cache files."},
    [METRICS_TCACHE_FILES] = {"swaz_transcode_cache_files", NULL, true,
                              "Finished transcode cache files."},
    [METRICS_TCACHE_WRITTEN_BYTES] = {"swaz_transcode_cache_written_bytes_total", NULL, false,
                                      "Bytes written into the transcode cache."},
};

static _Atomic int64_t metrics_values[METRICS_COUNT];

void metrics_add(MetricsId id, int64_t n)
{
    if ((unsigned)id < METRICS_COUNT)
        atomic_fetch_add_explicit(&metrics_values[id], n, memory_order_relaxed);
}

void metrics_inc(MetricsId id)
{
    metrics_add(id, 1);
}

void metrics_set(MetricsId id, int64_t v)
{
    if ((unsigned)id < METRICS_COUNT)
        atomic_store_explicit(&metrics_values[id], v, memory_order_relaxed);
}

int64_t metrics_get(MetricsId id)
{
    if ((unsigned)id >= METRICS_COUNT)
        return 0;
    return atomic_load_explicit(&metrics_values[id], memory_order_relaxed);
}

void metrics_http_status(int status)
{
    if (status >= 100 && status <= 599)
        metrics_inc((MetricsId)(METRICS_HTTP_1XX + status / 100 - 1));
}

int metrics_render(Buf *out)
{
    const char *prev = NULL;
    for (unsigned i = 0; i < METRICS_COUNT; i++) {
        const MetricsDef *d = &metrics_defs[i];
        int r;
        if (!prev || strcmp(prev, d->name) != 0) {
            r = buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", d->name, d->help, d->name,
                           d->gauge ? "gauge" : "counter");
            if (r < 0)
                return r;
            prev = d->name;
        }
        int64_t v = metrics_get((MetricsId)i);
        if (d->labels)
            r = buf_printf(out, "%s{%s} %" PRId64 "\n", d->name, d->labels, v);
        else
            r = buf_printf(out, "%s %" PRId64 "\n", d->name, v);
        if (r < 0)
            return r;
    }
    return 0;
}
