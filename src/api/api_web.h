/*
 * api_web.h - the web player at `/`: its built files, and index.html for client routes.
 *
 * The HTTP server calls api_web_fallback() for a GET or HEAD that no route matched. Paths
 * the server owns (/api/, /rest/, /s/, /health, /metrics, /ws) keep their 404; a file of
 * the player's directory (ApiContext.web_dir) is served with long-lived caching when it is
 * one of Vite's content-hashed assets, "no-cache" otherwise; any other path gets index.html
 * so the player's own router can show it. Read-only; any server thread.
 */
#ifndef SWAZ_API_WEB_H
#define SWAZ_API_WEB_H

#include "http/http_request.h"

#include <stdbool.h>

/* True when `path` (decoded, starting with '/') belongs to the server, not the player. */
bool api_web_reserved(const char *path);

/* HttpServerConfig.fallback: returns 0 having answered with a file of the player, -ENOENT
 * (a reserved path, no player directory, a missing hashed asset), or another negative errno. */
int api_web_fallback(HttpRequest *req, HttpResponse *res);

#endif
