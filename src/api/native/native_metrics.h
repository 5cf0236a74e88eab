/*
 * native_metrics.h - GET /metrics: the process's counters in the Prometheus text format
 * (core/metrics.h). Administrators only, unless `metrics_public` is set. Any server thread.
 */
#ifndef SWAZ_NATIVE_METRICS_H
#define SWAZ_NATIVE_METRICS_H

#include "http/http_request.h"

/* 200 text/plain; version=0.0.4 with every metric; 401 without credentials and 403 for a
 * user who is not an administrator, unless the metrics are public. */
int native_metrics_get(HttpRequest *req, HttpResponse *res);

#endif
