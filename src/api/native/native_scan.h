/*
 * native_scan.h - /api/scan: start a library scan and watch its progress.
 *
 * Both handlers talk to the scan service in ApiContext.scans (its own lock makes them safe
 * on any server thread). Authentication does not exist yet: a later issue restricts
 * POST /api/scan (and the error details of GET) to administrators.
 */
#ifndef SWAZ_NATIVE_SCAN_H
#define SWAZ_NATIVE_SCAN_H

#include "http/http_request.h"

/* GET /api/scan: 200 with the scan status JSON (state, times, counts, recent errors). */
int native_scan_get(HttpRequest *req, HttpResponse *res);

/* POST /api/scan: body empty (full scan) or {"paths":[absolute folder, ...]}; 202 with the
 * status JSON once queued, 400 for a malformed body or a path outside the music folders. */
int native_scan_post(HttpRequest *req, HttpResponse *res);

#endif
