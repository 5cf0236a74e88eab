/*
 * native_health.h - GET /health: liveness and readiness for load balancers and monitors.
 * Any server thread.
 */
#ifndef SWAZ_NATIVE_HEALTH_H
#define SWAZ_NATIVE_HEALTH_H

#include "http/http_request.h"

/* 200 {"status":"ok",...} when the database answers, else 503 {"status":"unavailable"}. */
int native_health_get(HttpRequest *req, HttpResponse *res);

#endif
