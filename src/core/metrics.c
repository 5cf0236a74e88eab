/*
 * metrics.c - the metrics table and its Prometheus rendering.
 *
 * Values are relaxed atomics: a scrape sees each value as it was at some instant, which is
 * all the text format promises. HELP and TYPE are written once per name, before the first
 * entry of that name.
 */
#include "core/metrics.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct MetricsDef {
    const char *name;
    const char *labels; /* e.g. "class=\"2xx\"", or NULL */
    bool gauge;
    const char *help;
} MetricsDef;

#define METRICS_HTTP_HELP   "HTTP responses sent, by status class."
#define METRICS_TCACHE_HELP "Transcoded streams by how the transcode cache served them."
#define METRICS_PAGES_HELP  "Cacheable library answers by whether the page cache held them."

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
    [METRICS_PAGES_HITS] = {"swaz_page_cache_requests_total", "result=\"hit\"", false,
                            METRICS_PAGES_HELP},
    [METRICS_PAGES_MISSES] = {"swaz_page_cache_requests_total", "result=\"miss\"", false,
                              METRICS_PAGES_HELP},
    [METRICS_PAGES_BYTES] = {"swaz_page_cache_bytes", NULL, true,
                             "Bytes held by the page cache (answers, mostly in gzip form)."},
    [METRICS_PAGES_COUNT] = {"swaz_page_cache_pages", NULL, true,
                             "Answers held by the page cache."},
    [METRICS_HTTP_JOBS] = {"swaz_http_handler_jobs_total", NULL, false,
                           "Requests handed from an event thread to a handler thread."},
    [METRICS_HTTP_JOBS_QUEUED] = {"swaz_http_handler_queue", NULL, true,
                                  "Requests waiting for a handler thread."},
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

/* Appends one process metric. */
static int metrics_process_line(Buf *out, const char *name, bool gauge, const char *help,
                                const char *value)
{
    return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name,
                      gauge ? "gauge" : "counter", name, value);
}

int metrics_render_process(Buf *out)
{
    char v[64];
    int r = 0;
    long page = sysconf(_SC_PAGESIZE), tick = sysconf(_SC_CLK_TCK);
    FILE *f = fopen("/proc/self/stat", "re");
    if (f) {
        /* Fields after the command (which may hold spaces): state is field 3, utime 14,
         * stime 15, vsize 23, rss 24. */
        char line[1024];
        char *p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
        unsigned long long ut, st, vsize;
        long long rss;
        if (p && tick > 0 && page > 0 &&
            sscanf(p + 2,
                   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
                   "%*d %*u %llu %lld",
                   &ut, &st, &vsize, &rss) == 4) {
            snprintf(v, sizeof(v), "%.2f", (double)(ut + st) / (double)tick);
            r = metrics_process_line(out, "process_cpu_seconds_total", false,
                                     "User and system CPU time in seconds.", v);
            snprintf(v, sizeof(v), "%lld", rss * page);
            if (r == 0)
                r = metrics_process_line(out, "process_resident_memory_bytes", true,
                                         "Resident memory size in bytes.", v);
            snprintf(v, sizeof(v), "%llu", vsize);
            if (r == 0)
                r = metrics_process_line(out, "process_virtual_memory_bytes", true,
                                         "Virtual memory size in bytes.", v);
        }
        fclose(f);
    }
    DIR *d = r == 0 ? opendir("/proc/self/fd") : NULL;
    if (d) {
        long n = 0;
        for (struct dirent *e; (e = readdir(d)) != NULL;)
            n += e->d_name[0] != '.';
        closedir(d);
        snprintf(v, sizeof(v), "%ld", n - 1); /* not the one reading the folder */
        r = metrics_process_line(out, "process_open_fds", true, "Open file descriptors.", v);
    }
    return r;
}
